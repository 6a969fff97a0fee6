// Builds web/dist: link.html (the hub page; the server fills in __CSP_NONCE__), assets/ with
// content-hashed names (served with a one-year immutable cache), and connect.js (the embed script).
import { build, transform } from "esbuild";
import { mkdir, readFile, rm, writeFile, readdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const target = ["chrome100", "edge100", "firefox100", "safari15"];

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, "assets"), { recursive: true });

const page = await build({
  entryPoints: [
    { in: path.join(root, "src/main.ts"), out: "hub" },
    { in: path.join(root, "src/styles.css"), out: "hub" },
  ],
  outdir: path.join(dist, "assets"),
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target,
  charset: "utf8",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.keys(page.metafile.outputs).map((f) => path.basename(f));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
if (!js || !css) throw new Error(`unexpected build outputs: ${outputs.join(", ")}`);

const theme = (await transform(await readFile(path.join(root, "src/theme.js"), "utf8"), { minify: true, target, legalComments: "none" })).code.trim();
let html = await readFile(path.join(root, "src/link.html"), "utf8");
html = html
  .replace("__THEME_SCRIPT__", () => theme)
  .replace("__CSS__", `assets/${css}`)
  .replace("__JS__", `assets/${js}`)
  .replace(/>\s*\n\s*</g, "><")
  .trim() + "\n";
if (/__(?!CSP_NONCE__)[A-Z_]+__/.test(html)) throw new Error("link.html: a placeholder was left unfilled");
await writeFile(path.join(dist, "link.html"), html);

await build({
  entryPoints: [path.join(root, "src/connect.ts")],
  outfile: path.join(dist, "connect.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target,
  charset: "utf8",
  legalComments: "none",
  banner: { js: "/* connecthub connect.js: window.Connect.start({sessionToken, ...}) */" },
  logLevel: "warning",
});

// Sizes (the server sends these bytes as they are, without compression).
let pageTotal = 0;
const rows = [];
for (const f of ["link.html", ...(await readdir(path.join(dist, "assets"))).map((a) => `assets/${a}`), "connect.js"]) {
  const buf = await readFile(path.join(dist, f));
  if (f !== "connect.js") pageTotal += buf.length;
  rows.push(`  ${f.padEnd(28)} ${String(buf.length).padStart(6)} B  (gzip ${gzipSync(buf).length} B)`);
}
console.log(`web/dist:\n${rows.join("\n")}\n  hub page total: ${pageTotal} B`);
