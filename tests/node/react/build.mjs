// Bundles page.jsx with next-auth/react and React into <outdir>/page.js, beside an index.html
// that loads it: `node build.mjs <outdir>`. No Next.js: what Next.js would inline at build time
// (process.env.*) is defined here as a browser bundle sees it.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: node build.mjs <outdir>");
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [new URL("./page.jsx", import.meta.url).pathname],
  outfile: join(outdir, "page.js"),
  bundle: true,
  format: "esm",
  jsx: "automatic",
  minify: true,
  logLevel: "warning",
  define: {
    "process.env.NODE_ENV": '"production"',
    "process.env.NEXTAUTH_URL": "undefined",
    "process.env.NEXTAUTH_URL_INTERNAL": "undefined",
    "process.env.VERCEL_URL": "undefined",
  },
});
await writeFile(
  join(outdir, "index.html"),
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>next-auth/react</title>' +
    '<div id="root"></div><script type="module" src="page.js"></script></html>\n',
);
