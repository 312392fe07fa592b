// Reference oracle: @auth/core (pinned in package-lock.json) answering a batch of operations.
//
// stdin:  a JSON array of operations, e.g. [{"op": "encode", "token": {...}, "secret": ["a", "b"]}]
// stdout: a JSON array of results, one per operation: {"ok": <value>} or {"error": "<message>"}
//
// Operations:
//   encode   {token, secret, salt, maxAge?}                 -> JWE string     (@auth/core/jwt encode)
//   decode   {token, secret, salt}                          -> claims | null  (@auth/core/jwt decode)
//   getToken {headers, secret?, salt?, secureCookie?, cookieName?, raw?}
//   auth     {url, method?, headers?, form?, secret, useSecureCookies?, fullBody?}
//            -> {status, location, setCookies: [raw Set-Cookie strings], body}
//            runs the real Auth() from @auth/core with a credentials provider, basePath /auth; a body
//            over 2,000 characters comes back as "<html>" unless fullBody is set

// Everything Auth.js logs goes to stderr so stdout stays one JSON document.
for (const level of ["log", "info", "warn", "debug"]) console[level] = console.error;

const { Auth } = await import("@auth/core");
const { encode, decode, getToken } = await import("@auth/core/jwt");
const { default: Credentials } = await import("@auth/core/providers/credentials");

const quietLogger = {
  error: (error) => console.error("[auth error]", error?.name ?? "", error?.message ?? ""),
  warn: (code) => console.error("[auth warn]", code),
  debug: () => {},
};

function pick(op, keys) {
  const out = {};
  for (const key of keys) if (op[key] !== undefined) out[key] = op[key];
  return out;
}

const operations = {
  encode: (op) => encode(pick(op, ["token", "secret", "salt", "maxAge"])),

  decode: (op) => decode(pick(op, ["token", "secret", "salt"])),

  getToken: (op) =>
    getToken({
      req: { headers: op.headers ?? {} },
      logger: quietLogger,
      ...pick(op, ["secret", "salt", "secureCookie", "cookieName", "raw"]),
    }),

  auth: async (op) => {
    const method = op.method ?? "GET";
    const headers = new Headers(op.headers ?? {});
    let body;
    if (op.form !== undefined) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(op.form).toString();
    }
    const request = new Request(op.url, { method, headers, body });
    const config = {
      secret: op.secret,
      trustHost: true,
      basePath: "/auth",
      logger: quietLogger,
      ...pick(op, ["useSecureCookies"]),
      providers: [
        Credentials({
          credentials: { username: { label: "Username" } },
          authorize: async (credentials) =>
            credentials?.username ? { id: "1", name: String(credentials.username) } : null,
        }),
      ],
    };
    const response = await Auth(request, config);
    const text = await response.text();
    return {
      status: response.status,
      location: response.headers.get("location"),
      setCookies: response.headers.getSetCookie(),
      body: text.length > 2000 && !op.fullBody ? "<html>" : text,
    };
  },
};

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
