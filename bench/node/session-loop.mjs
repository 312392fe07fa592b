// The Node side of `python -m bench`: next-auth's own session reads, timed in Node.
//
// stdin:  {"iterations": N, "secret": "...", "url": "http://localhost:8000",
//          "v4": {"token": "<JWE>", "cookie": "<Cookie header>"},
//          "v5": {"token": "<JWE>", "cookie": "<Cookie header>"}}
// stdout: {"node": "v20...", "rows": [{"format", "case", "median_us", "p99_us"}, ...]}
//
// The packages are the pinned ones the interop tests already install (`make node`):
// next-auth@4.24.15 from tests/node/v4 and tests/node/nextjs, @auth/core@0.41.3 from tests/node/v5.
// Each case is called N times in a row, awaited one at a time, like the Python loops.
import { createRequire } from "node:module";
import { createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";
import path from "node:path";

// next-auth and Auth.js log through console; keep stdout for the one JSON document.
for (const level of ["log", "info", "warn", "debug"]) console[level] = console.error;

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeTests = path.resolve(here, "../../tests/node");
const requireV4 = createRequire(path.join(nodeTests, "v4/package.json"));
const requireNext = createRequire(path.join(nodeTests, "nextjs/package.json"));
const requireV5 = createRequire(path.join(nodeTests, "v5/package.json"));

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (data += chunk));
  process.stdin.on("end", () => resolve(data));
}));
const { iterations, secret, url } = input;
// getServerSession finds the site's origin (and so the cookie names) in NEXTAUTH_URL.
process.env.NEXTAUTH_URL = url;

function b64d(part) {
  return Buffer.from(part, "base64url");
}

function parseCookies(header) {
  const out = {};
  for (const pair of header.split("; ")) {
    const i = pair.indexOf("=");
    out[pair.slice(0, i)] = decodeURIComponent(pair.slice(i + 1));
  }
  return out;
}

async function measure(fn) {
  for (let i = 0; i < Math.min(1000, iterations); i++) await fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const mid = samples.length >> 1;
  const median = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { median_us: median, p99_us: samples[Math.max(0, Math.floor(samples.length * 0.99) - 1)] };
}

function check(value, label) {
  if (!value) throw new Error(`${label} returned no session: the tokens or secret do not match`);
  return value;
}

const rows = [];
async function run(format, name, fn) {
  check(await fn(), name);
  rows.push({ format, case: name, ...(await measure(fn)) });
}

// --- v4: next-auth@4 ----------------------------------------------------------------------------
{
  const { token, cookie } = input.v4;
  const cookies = parseCookies(cookie);
  const { decode, getToken } = requireV4("next-auth/jwt");
  const { getServerSession } = requireNext("next-auth/next");
  const key = Buffer.from(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));

  await run("v4", "node floor: AES-GCM decrypt + JSON.parse", () => {
    const [protectedHeader, , iv, ct, tag] = token.split(".");
    const decipher = createDecipheriv("aes-256-gcm", key, b64d(iv));
    decipher.setAAD(Buffer.from(protectedHeader, "ascii"));
    decipher.setAuthTag(b64d(tag));
    return JSON.parse(Buffer.concat([decipher.update(b64d(ct)), decipher.final()]).toString("utf8"));
  });
  await run("v4", "next-auth 4 jwt.decode", () => decode({ token, secret }));
  await run("v4", "next-auth 4 getToken", () =>
    getToken({ req: { headers: { cookie }, cookies }, secret }),
  );
  const authOptions = { secret, session: { strategy: "jwt" }, providers: [] };
  const res = { getHeader() {}, setHeader() {} };
  await run("v4", "next-auth 4 getServerSession (re-encodes)", () =>
    getServerSession({ headers: { cookie, host: new URL(url).host }, cookies }, res, authOptions),
  );
}

// --- v5: @auth/core (what next-auth 5's auth() runs) ---------------------------------------------
{
  const { token, cookie } = input.v5;
  const salt = "authjs.session-token";
  const { decode, getToken } = await import(requireV5.resolve("@auth/core/jwt"));
  const { Auth } = await import(requireV5.resolve("@auth/core"));
  const key = Buffer.from(hkdfSync("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, 64));
  const macKey = key.subarray(0, 32);
  const encKey = key.subarray(32);

  await run("v5", "node floor: HMAC + AES-CBC decrypt + JSON.parse", () => {
    const [protectedHeader, , ivPart, ctPart, tagPart] = token.split(".");
    const aad = Buffer.from(protectedHeader, "ascii");
    const iv = b64d(ivPart);
    const ct = b64d(ctPart);
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length * 8));
    const mac = createHmac("sha512", macKey).update(aad).update(iv).update(ct).update(al).digest().subarray(0, 32);
    if (!timingSafeEqual(mac, b64d(tagPart))) throw new Error("bad tag");
    const decipher = createDecipheriv("aes-256-cbc", encKey, iv);
    return JSON.parse(Buffer.concat([decipher.update(ct), decipher.final()]).toString("utf8"));
  });
  await run("v5", "@auth/core jwt.decode", () => decode({ token, secret, salt }));
  await run("v5", "@auth/core getToken", () => getToken({ req: { headers: { cookie } }, secret }));
  const config = { secret, trustHost: true, basePath: "/api/auth", providers: [], session: { strategy: "jwt" } };
  const sessionUrl = `${url}/api/auth/session`;
  await run("v5", "@auth/core Auth() GET /session (auth(), re-encodes)", async () => {
    const response = await Auth(new Request(sessionUrl, { headers: { cookie } }), config);
    const body = await response.json();
    return body && body.user ? body : null;
  });
}

process.stdout.write(JSON.stringify({ node: process.version, rows }));
