// Builds FlexMarket's browser bundles with esbuild (offline; packages from node_modules).
//
//   node marketplace/web/build.mjs [--outdir DIR]
//
// One entry per page (src/pages/*.js); shared code goes into chunks. Output files carry a
// content hash; manifest.json maps each page to its script and style sheets, and the Flask
// `web` blueprint reads it. The default output folder, marketplace/web/static/dist/, is
// gitignored and rebuilt by `make run` / `make test` when sources or package-lock change.
import { build } from "esbuild";
import { mkdirSync, readdirSync, rmSync, writeFileSync, renameSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outFlag = args.indexOf("--outdir");
const outdir = resolve(outFlag >= 0 ? args[outFlag + 1] : join(here, "static", "dist"));
const staging = `${outdir}.building`;

const pagesDir = join(here, "src", "pages");
const entryPoints = Object.fromEntries(
  readdirSync(pagesDir)
    .filter((f) => f.endsWith(".js"))
    .map((f) => [basename(f, ".js"), join(pagesDir, f)]),
);

rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const result = await build({
  entryPoints,
  outdir: staging,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  sourcemap: "linked",
  entryNames: "[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const manifest = {};
const pageFiles = new Set(Object.values(entryPoints));
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  // Only the pages: dynamic-import chunks also carry an entryPoint.
  if (!output.entryPoint || !file.endsWith(".js") || !pageFiles.has(resolve(output.entryPoint))) continue;
  const page = basename(output.entryPoint, ".js");
  manifest[page] = {
    js: relative(staging, resolve(file)),
    css: output.cssBundle ? [relative(staging, resolve(output.cssBundle))] : [],
  };
}
writeFileSync(join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(dirname(outdir), { recursive: true });
renameSync(staging, outdir);
if (!existsSync(join(outdir, "manifest.json"))) throw new Error("bundle build wrote no manifest");
console.log(`built ${Object.keys(manifest).length} page bundles into ${relative(process.cwd(), outdir) || outdir}`);
