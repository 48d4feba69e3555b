// The checkout's built JavaScript for `npm start`: the current build, or a new one made in a child
// process (esbuild and its service process leave with it instead of staying in the supervisor).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentCheckoutBuild } from "./build-checkout.mjs";

const script = join(fileURLToPath(import.meta.url), "..", "build-checkout.mjs");

/** The dir of bundles to run, or undefined (with the reason printed) when the build failed. */
export function ensureCheckoutBuild() {
  const current = currentCheckoutBuild();
  if (current) return current;
  console.log("Building the services (sources changed since the last build) ...");
  const run = spawnSync(process.execPath, [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const dir = run.stdout.trim().split("\n").at(-1);
  if (run.status === 0 && dir) return dir;
  console.error("The build failed (above); running the TypeScript sources through tsx instead.");
  return undefined;
}
