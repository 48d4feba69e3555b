// Builds the app of the all-in-one `lantern` image (image/Dockerfile): every service and the supervisor
// that `npm start` runs (scripts/stack.ts), bundled with esbuild as scripts/build-service.mjs bundles one
// service: our TypeScript (services and @lantern/shared) compiled in, npm packages left as imports and
// resolved from the image's node_modules. Layout under the output dir:
//   built/stack.js                         the supervisor, run with LANTERN_BUILT_DIR=<out>/built
//   built/<service>.js                     what the supervisor starts: one line importing the service's bundle
//   built/admin-orchestrator.js            admin and the orchestrator in one process, on one embedded database
//   services/<service>/dist/bin/main.js    the service's bundle, beside its package.json and the files its
//                                          code finds relative to itself (`../../drizzle`, `../../presets.json`)
// The one-line entries exist because admin and orchestrator each find their own `drizzle/` two levels
// above their bundle: two bundles in one dir would share one.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { sourceUrlPlugin } from "./source-url-plugin.mjs";

const root = join(fileURLToPath(import.meta.url), "..", "..");

export const SERVICES = ["admin", "gateway", "inference", "model-fetcher", "orchestrator"];
/** What a service's code reads relative to its own file, copied beside its bundle. */
const SERVICE_ASSETS = ["package.json", "drizzle", "presets.json"];

/** Every bare import but our own workspace packages stays an import: the image installs them. */
function externalNpmPackages(found) {
  return {
    name: "external-npm-packages",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("@lantern/") || args.path.startsWith("node:")) return undefined;
        found.add(packageName(args.path));
        return { path: args.path, external: true };
      });
    },
  };
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

async function bundle(entry, outfile, externals, extraPlugins = []) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    plugins: [externalNpmPackages(externals), ...extraPlugins],
    logLevel: "warning",
  });
}

/**
 * Builds into `outDir` (emptied first). Returns the npm packages the bundles import, which the image's
 * node_modules must hold.
 */
export async function buildAllInOne(outDir) {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "built"), { recursive: true });
  const externals = new Set();
  for (const service of SERVICES) {
    const serviceDir = join(root, "services", service);
    const target = join(out, "services", service);
    await bundle(join(serviceDir, "src", "main.ts"), join(target, "dist", "bin", "main.js"), externals);
    for (const asset of SERVICE_ASSETS) {
      if (existsSync(join(serviceDir, asset))) cpSync(join(serviceDir, asset), join(target, asset), { recursive: true });
    }
    writeFileSync(join(out, "built", `${service}.js`), `import "../services/${service}/dist/bin/main.js";\n`);
  }
  // Admin and the orchestrator in one process (the embedded default): each module keeps the URL its
  // source has in this layout, so each service finds its own drizzle/ beside its package.json.
  const combined = join(out, "built", "admin-orchestrator.js");
  const inLayout = (file) => join(out, relative(root, file));
  await bundle(join(root, "scripts", "services", "admin-orchestrator.ts"), combined, externals, [sourceUrlPlugin({ outfile: combined, where: inLayout })]);
  await bundle(join(root, "scripts", "stack.ts"), join(out, "built", "stack.js"), externals);
  // The versions the image reports (gateway and worker read their own package.json; this is the release's).
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  writeFileSync(join(out, "package.json"), `${JSON.stringify({ name: "lantern", version, private: true, type: "module" }, null, 2)}\n`);
  return [...externals].sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const outDir = process.argv[2] ?? join(root, "dist", "all-in-one");
  const externals = await buildAllInOne(outDir);
  console.log(`built ${resolve(outDir)} (imports from node_modules: ${externals.join(", ")})`);
}
