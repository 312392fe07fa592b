// Reference oracle: next-auth@4 (pinned in package-lock.json) answering a batch of operations.
//
// stdin:  a JSON array of operations, e.g. [{"op": "encode", "token": {...}, "secret": "s"}]
// stdout: a JSON array of results, one per operation: {"ok": <value>} or {"error": "<message>"}
//
// Operations:
//   encode   {token, secret, salt?, maxAge?}                -> JWE string      (next-auth/jwt encode)
//   decode   {token, secret, salt?}                         -> claims | null   (next-auth/jwt decode)
//   getToken {headers, cookies?, secret?, secureCookie?, cookieName?, raw?, env?}
//            cookies defaults to the parsed `cookie` header, as Next.js API routes provide it
//   handler  {action, method, headers?, cookies?, body?, query?, providerId?, error?,
//             secret, useSecureCookies?, env?, fullBody?} -> {status, redirect, cookies, body, headers}
//            runs the real AuthHandler from next-auth/core with a credentials provider; a body
//            over 2,000 characters comes back as "<html>" unless fullBody is set
"use strict";

const path = require("node:path");

// Everything next-auth logs goes to stderr so stdout stays one JSON document.
for (const level of ["log", "info", "warn", "debug"]) console[level] = console.error;

const { encode, decode, getToken } = require("next-auth/jwt");
// next-auth/core is not in the package's "exports" map; load it by file path.
const { AuthHandler } = require(path.join(__dirname, "node_modules/next-auth/core/index.js"));
const CredentialsProvider = require("next-auth/providers/credentials").default;
const cookie = require("cookie");

const quietLogger = {
  error: (code, meta) => console.error("[next-auth error]", code, meta?.message ?? ""),
  warn: (code) => console.error("[next-auth warn]", code),
  debug: () => {},
};

async function withEnv(env, fn) {
  const saved = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    saved[name] = process.env[name];
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const operations = {
  encode: (op) => encode({ token: op.token, secret: op.secret, salt: op.salt, maxAge: op.maxAge }),

  decode: (op) => decode({ token: op.token, secret: op.secret, salt: op.salt }),

  getToken: (op) =>
    withEnv(op.env, () => {
      const headers = op.headers ?? {};
      const cookies = op.cookies ?? cookie.parse(headers.cookie ?? "");
      const params = { req: { headers, cookies }, raw: op.raw, logger: quietLogger };
      for (const key of ["secret", "secureCookie", "cookieName"]) {
        if (op[key] !== undefined) params[key] = op[key];
      }
      return getToken(params);
    }),

  handler: (op) =>
    withEnv(op.env, async () => {
      const headers = op.headers ?? {};
      const req = {
        action: op.action,
        method: op.method ?? "GET",
        headers,
        cookies: op.cookies ?? cookie.parse(headers.cookie ?? ""),
        body: op.body ?? {},
        query: op.query ?? {},
        providerId: op.providerId,
        error: op.error,
      };
      const options = {
        secret: op.secret,
        useSecureCookies: op.useSecureCookies,
        session: { strategy: "jwt" },
        logger: quietLogger,
        providers: [
          CredentialsProvider({
            name: "Credentials",
            credentials: { username: { label: "Username", type: "text" } },
            authorize: async (credentials) =>
              credentials?.username ? { id: "1", name: credentials.username } : null,
          }),
        ],
      };
      const res = await AuthHandler({ req, options });
      return {
        status: res.status ?? (res.redirect ? 302 : 200),
        redirect: res.redirect ?? null,
        cookies: res.cookies ?? [],
        headers: res.headers ?? [],
        body: typeof res.body === "string" && res.body.length > 2000 && !op.fullBody ? "<html>" : (res.body ?? null),
      };
    }),
};

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const ops = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = [];
  for (const op of ops) {
    try {
      const fn = operations[op.op];
      if (!fn) throw new Error(`unknown op ${op.op}`);
      const value = await fn(op);
      results.push({ ok: value === undefined ? null : value });
    } catch (error) {
      results.push({ error: String(error?.message ?? error), name: error?.name ?? null });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
