// Builds the web app (web/dist) when its sources are newer than the build; the gateway serves the build.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const built = join(web, "dist", "index.html");

function newestIn(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestIn(join(path, name))), stat.mtimeMs);
}

/** The sources the build is made from: the app's own, and the shared contracts (the pipelines page bundles their schemas). */
const SOURCES = [...["src", "index.html", "vite.config.ts", "package.json", "tsconfig.json"].map((p) => join(web, p)), join(root, "shared", "src", "contracts")];

export function webIsCurrent() {
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return Math.max(...SOURCES.map(newestIn), newestIn(join(root, "pnpm-lock.yaml"))) <= builtAt;
}

/** Returns true when web/dist is current (built now or already). */
export function ensureWeb({ log = console.log } = {}) {
  if (webIsCurrent()) return true;
  log("Building the web app (web/dist) ...");
  const vite = join(web, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(vite)) {
    log("The web app's packages are not installed: run node scripts/ensure-deps.mjs first.");
    return false;
  }
  const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: web, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    log("Building the web app failed; see the output above.");
    return false;
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(ensureWeb() ? 0 : 1);
