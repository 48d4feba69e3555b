// Builds one service for its container image: `pnpm --filter <service> build`, run in the service's dir.
// Each entry (`name=src/file.ts`) becomes one ESM file `dist/bin/<name>.js` holding the service's code
// and @lantern/shared (TypeScript source, compiled here); npm packages stay imports, resolved from the
// image's node_modules, so native and asset-loading packages (node-llama-cpp, PGlite, swagger-ui) work as
// installed. The files sit two levels below the package root, like `src/<capability>/*.ts`, so paths the
// source resolves from its own location (`../../drizzle`, `../../presets.json`) land in the package too.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(fileURLToPath(import.meta.url), "..", "..");

/** npm packages the service and shared depend on: these stay external. */
function externalPackages(serviceDir) {
  const names = new Set();
  for (const dir of [serviceDir, join(root, "shared")]) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const name of Object.keys(pkg.dependencies ?? {})) if (!name.startsWith("@lantern/")) names.add(name);
  }
  return [...names].flatMap((name) => [name, `${name}/*`]);
}

export async function buildService(serviceDir, entries) {
  const entryPoints = Object.fromEntries(entries.map((entry) => {
    const [name, file] = entry.includes("=") ? entry.split("=", 2) : ["main", entry];
    return [name, join(serviceDir, file)];
  }));
  const outdir = join(serviceDir, "dist", "bin");
  rmSync(join(serviceDir, "dist"), { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    external: externalPackages(serviceDir),
    logLevel: "warning",
  });
  return Object.keys(entryPoints).map((name) => join(outdir, `${name}.js`));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const entries = process.argv.slice(2);
  const files = await buildService(process.cwd(), entries.length > 0 ? entries : ["main=src/main.ts"]);
  for (const file of files) console.log(`built ${file}`);
}
