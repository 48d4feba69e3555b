// `npm start`: install what is missing, then run the whole stack on this machine, supervised by
// this process itself (no wrapper in between: a signal to it, or to its process group, stops it all).
// The supervisor and every service run as built JavaScript (scripts/build-checkout.mjs, rebuilt in a
// second or so when a source changed): no process compiles TypeScript at run time.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureDeps } from "./ensure-deps.mjs";
import { ensureWeb } from "./ensure-web.mjs";
import { ensureCheckoutBuild } from "./ensure-build.mjs";

ensureDeps();
// The stack still starts without the web app: the API works, and `/` says how to build it.
ensureWeb();
// LANTERN_BUILT_DIR given: those bundles. A build that fails (a source mid-edit): from source, as before.
const built = process.env.LANTERN_BUILT_DIR ? undefined : ensureCheckoutBuild();
if (built) {
  process.env.LANTERN_BUILT_DIR = built;
  await import(pathToFileURL(join(built, "stack.js")).href);
} else {
  const { importTs } = await import("./run-ts.mjs");
  await importTs("scripts/stack.ts");
}
