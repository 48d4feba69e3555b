// `npm start`: install what is missing, then run the whole stack on this machine.
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps();
const { runTs } = await import("./run-ts.mjs");
runTs("scripts/stack.ts", process.argv.slice(2));
