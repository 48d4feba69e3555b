// `npm run pipeline -- ...`: run pipelines and read their history through the gateway's HTTP API.
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps();
const { runTs } = await import("./run-ts.mjs");
runTs("services/orchestrator/src/cli/main.ts", process.argv.slice(2));
