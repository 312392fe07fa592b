// Reference oracle: the real @auth/pg-adapter (pinned in package-lock.json) on a PostgreSQL database.
//
// env:    DATABASE_URL   the database the Python adapter uses too
// stdin:  a JSON array of operations
// stdout: a JSON array of results, one per operation: {"ok": <value>} or {"error": "<message>", "name": ...}
//
// Dates cross the pipe tagged, both ways: {"$date": "<ISO 8601>"} <-> a JavaScript Date.
//
// Operations:
//   call   {method, args}     -> what adapter[method](...args) returns (createUser, getSessionAndUser, ...)
//   query  {sql, params?}     -> the rows of a raw query (to look at what the adapter stored)

for (const level of ["log", "info", "warn", "debug"]) console[level] = console.error;

const { default: PostgresAdapter } = await import("@auth/pg-adapter");
const { default: pg } = await import("pg");

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const adapter = PostgresAdapter(pool);

function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === "object") {
    if (Object.keys(value).length === 1 && typeof value.$date === "string") return new Date(value.$date);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

function tagDates(key, value) {
  // `this[key]` is the value before Date.prototype.toJSON turned it into a string.
  const original = this[key];
  if (original instanceof Date) return { $date: original.toISOString() };
  if (typeof value === "number" && Number.isNaN(value)) return { $nan: true };
  return value;
}

const operations = {
  call: async (op) => {
    const fn = adapter[op.method];
    if (typeof fn !== "function") throw new Error(`no adapter method ${op.method}`);
    return fn(...revive(op.args ?? []));
  },
  query: async (op) => (await pool.query(op.sql, revive(op.params ?? []))).rows,
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
await pool.end();
process.stdout.write(JSON.stringify(results, tagDates));
