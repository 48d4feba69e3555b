// `npm start`: install what is missing, then run the whole stack on this machine, supervised by
// this process itself (no wrapper in between: a signal to it, or to its process group, stops it all).
import { ensureDeps } from "./ensure-deps.mjs";
import { ensureWeb } from "./ensure-web.mjs";

ensureDeps();
// The stack still starts without the web app: the API works, and `/` says how to build it.
ensureWeb();
const { importTs } = await import("./run-ts.mjs");
await importTs("scripts/stack.ts");
