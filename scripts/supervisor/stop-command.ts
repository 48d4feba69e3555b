/** `npm stop`: stops the stack `npm start` runs from this data dir, wherever it was started. */
import { repoRoot } from "./repo-root.js";
import { stackDataDir } from "./stack-settings.js";
import { readStackState, removeStackState, stateFilePath } from "./state-file.js";
import { childrenLeft, stopRecordedStack, supervisorRuns } from "./stop-stack.js";

const dataDir = stackDataDir(process.env, repoRoot);
const state = readStackState(dataDir);
if (!state) {
  console.log(`No stack is running from ${dataDir} (nothing in ${stateFilePath(dataDir)}).`);
  process.exit(0);
}
const runs = supervisorRuns(state);
const left = childrenLeft(state);
if (!runs && left.length === 0) {
  removeStackState(dataDir);
  console.log(`No stack is running from ${dataDir} (the one recorded there, pid ${state.supervisorPid}, is gone).`);
  process.exit(0);
}
console.log(
  runs
    ? `Stopping the stack of ${dataDir} (pid ${state.supervisorPid}, ${state.gatewayUrl}) ...`
    : `The stack of ${dataDir} lost its supervisor (pid ${state.supervisorPid}); stopping what it left: ${left.map((c) => c.name).join(", ")} ...`,
);
await stopRecordedStack(state, (message) => console.log(`  ${message}`));
console.log("Stopped.");
