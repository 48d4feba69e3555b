// `npm start`: install what is missing, then run the whole stack on this machine.
import { ensureDeps } from "./ensure-deps.mjs";
import { ensureWeb } from "./ensure-web.mjs";

ensureDeps();
// The stack still starts without the web app: the API works, and `/` says how to build it.
ensureWeb();
const { runTs } = await import("./run-ts.mjs");
runTs("scripts/stack.ts", process.argv.slice(2));
