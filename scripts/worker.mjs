// `npm run worker`: one more inference worker, in the foreground, joining the running stack (or
// the one NATS_URL names). Ctrl-C stops it gracefully.
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps({ quiet: true });
const { importTs } = await import("./run-ts.mjs");
await importTs("scripts/supervisor/join-worker.ts");
