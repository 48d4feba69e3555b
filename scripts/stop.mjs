// `npm stop`: stops the stack that `npm start` runs (in another terminal, or in the background).
import { importTs } from "./run-ts.mjs";

await importTs("scripts/supervisor/stop-command.ts");
