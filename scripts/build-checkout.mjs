// Built JavaScript for `npm start` from the checkout, so that no process of the stack compiles
// TypeScript at run time (tsx's loader costs each process tens of MiB and its start-up). Each entry is
// bundled with esbuild: our TypeScript (services, @lantern/shared, the supervisor) compiled in, every npm
// package left as an import, resolved from a node_modules beside the bundles that links the very
// package each import resolves to from its source, and each module keeping its source file's import.meta.url.
// A build takes about a second; `checkoutBuild()` reuses the last one while none of its inputs changed.
// Builds go to versioned dirs, so a stack still running from an older one (a child restarting) keeps it.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceUrlPlugin } from "./source-url-plugin.mjs";
import { SERVICE_ENTRIES } from "./supervisor/service-entries.mjs";

const root = join(fileURLToPath(import.meta.url), "..", "..");
export const CHECKOUT_BUILDS = join(root, "node_modules", ".cache", "lantern", "built");
const CURRENT = join(CHECKOUT_BUILDS, "current.json");
/** Older builds kept beside the current one, for stacks that still run from them. */
const KEEP_BUILDS = 3;
/** Changes to these mean other package versions, so other resolved paths. */
const INSTALL_MARKERS = [join(root, "node_modules", ".modules.yaml")];

/** What the supervisor starts, by the name LANTERN_BUILT_DIR/<name>.js has, and the supervisor itself. */
export const CHECKOUT_ENTRIES = { stack: "scripts/stack.ts", ...SERVICE_ENTRIES };

/**
 * Bare imports of npm packages stay imports, and `found` records the package each resolves to from
 * its importer (pnpm's layout gives each package of ours its own node_modules); the build links them
 * all into one node_modules beside the bundles. One name resolving to two packages fails the build.
 */
function npmBesideBundles(found) {
  return {
    name: "npm-beside-bundles",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.inner || args.path.startsWith("@lantern/")) return undefined;
        if (args.path.startsWith("node:") || isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { inner: true } });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const name = packageName(args.path);
        const root = packageRoot(resolved.path, name);
        const before = found.get(name);
        if (before && before !== root) return { errors: [{ text: `${name} resolves to two packages: ${before} and ${root}` }] };
        found.set(name, root);
        return { path: args.path, external: true };
      });
    },
  };
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The installed dir of package `name` that holds `file`. */
function packageRoot(file, name) {
  const marker = `${sep}node_modules${sep}${name.split("/").join(sep)}${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) throw new Error(`${file} is not inside a node_modules/${name}`);
  return file.slice(0, at + marker.length - 1);
}

function linkPackages(dir, packages) {
  for (const [name, target] of packages) {
    const link = join(dir, "node_modules", ...name.split("/"));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
}

/** The build in use when it is still current: every input unchanged since it was made. */
export function currentCheckoutBuild() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, "utf8"));
  } catch {
    return undefined;
  }
  if (!existsSync(current.dir)) return undefined;
  for (const file of [...current.inputs.map((input) => join(root, input)), ...INSTALL_MARKERS]) {
    try {
      if (statSync(file).mtimeMs > current.builtAt) return undefined;
    } catch {
      return undefined;
    }
  }
  return current.dir;
}

/** Builds every entry into a new dir and makes it the current one. Returns the dir. */
export async function buildCheckout() {
  const { build } = await import("esbuild");
  const builtAt = Date.now();
  const dir = join(CHECKOUT_BUILDS, `${builtAt}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const entryPoints = Object.fromEntries(Object.entries(CHECKOUT_ENTRIES).map(([name, entry]) => [name, join(root, entry)]));
  const packages = new Map();
  const result = await build({
    entryPoints,
    outdir: dir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    // As Node resolves a package for import: no esbuild-only `module` field or condition.
    mainFields: ["main"],
    conditions: [],
    metafile: true,
    // Every bundle sits in `dir`: the URLs relative to one hold for all.
    plugins: [npmBesideBundles(packages), sourceUrlPlugin({ outfile: join(dir, "stack.js") })],
    logLevel: "warning",
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes("node_modules/"))
    .map((input) => relative(root, resolve(root, input)));
  linkPackages(dir, packages);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  const next = `${CURRENT}.${process.pid}`;
  writeFileSync(next, JSON.stringify({ dir, builtAt, inputs: inputs.sort() }));
  renameSync(next, CURRENT);
  pruneOldBuilds(dir);
  return dir;
}

function pruneOldBuilds(keep) {
  const builds = readdirSync(CHECKOUT_BUILDS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && join(CHECKOUT_BUILDS, entry.name) !== keep)
    .map((entry) => entry.name)
    .sort((a, b) => Number.parseInt(b) - Number.parseInt(a));
  for (const old of builds.slice(KEEP_BUILDS)) rmSync(join(CHECKOUT_BUILDS, old), { recursive: true, force: true });
}

// `node scripts/build-checkout.mjs`: build unless current; prints the dir. `--force` builds anyway.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const dir = (!process.argv.includes("--force") && currentCheckoutBuild()) || (await buildCheckout());
  console.log(dir);
}
