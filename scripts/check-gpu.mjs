// `npm run check:gpu`: install what is missing, then prove the GPU pool on this machine (scripts/gpu-check/).
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps({ quiet: true });
const { runTs } = await import("./run-ts.mjs");
runTs("scripts/gpu-check/main.ts", process.argv.slice(2));
