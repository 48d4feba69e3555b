/**
 * Stops a stack recorded in a state file, from outside it (`npm stop`, or `npm start` finding one
 * left behind): asks its supervisor to stop, waits, then makes sure no recorded child is left.
 */
import { isRecordedProcess, signalGroup, waitGone } from "./process-probe.js";
import { removeStackState, type StackState } from "./state-file.js";

/** How long a supervisor may take to stop its children in order before it is killed. */
const SUPERVISOR_STOP_MS = 60_000;
/** How long a child left behind may take to stop after SIGTERM. */
const CHILD_STOP_MS = 35_000;

export function supervisorRuns(state: StackState): boolean {
  return isRecordedProcess(state.supervisorPid, state.supervisorMarker);
}

export function childrenLeft(state: StackState): StackState["children"] {
  return state.children.filter((child) => isRecordedProcess(child.pid, child.marker));
}

export async function stopRecordedStack(state: StackState, log: (message: string) => void): Promise<void> {
  if (supervisorRuns(state)) {
    process.kill(state.supervisorPid, "SIGTERM");
    if (!(await waitGone(() => supervisorRuns(state), SUPERVISOR_STOP_MS))) {
      log(`the supervisor (pid ${state.supervisorPid}) did not stop within ${SUPERVISOR_STOP_MS / 1000} s; killing it.`);
      process.kill(state.supervisorPid, "SIGKILL");
    }
  }
  for (const child of childrenLeft(state).reverse()) {
    log(`${child.name} (pid ${child.pid}) is still running; stopping it.`);
    signalGroup(child.pid, "SIGTERM");
    if (!(await waitGone(() => isRecordedProcess(child.pid, child.marker), CHILD_STOP_MS))) {
      log(`${child.name} (pid ${child.pid}) did not stop within ${CHILD_STOP_MS / 1000} s; killing it.`);
      signalGroup(child.pid, "SIGKILL");
      await waitGone(() => isRecordedProcess(child.pid, child.marker), 5_000);
    }
  }
  removeStackState(state.dataDir);
}
