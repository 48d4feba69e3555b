/**
 * A module every child of the supervisor imports first (`node --import <this URL>`): the child's
 * stdin is a pipe from the supervisor, which the kernel closes when the supervisor ends however it
 * ends (SIGKILL included), and on that the child stops itself gracefully, as on SIGTERM. So no
 * service outlives its supervisor, without a watcher process per child.
 * A data: URL, so it needs no file beside the services (the source tree and the bundles alike).
 */

/** After stopping itself, how long a child may take before it kills itself outright. */
export const ORPHAN_STOP_GRACE_MS = 35_000;

const WATCHDOG_SOURCE = `
import { fstatSync } from "node:fs";
// bigint: a plain fstat of a pipe, left in the stat buffer Node 20 shares, made its ESM resolver keep
// pnpm's symlinked package paths unresolved (their dependencies then not found) in built bundles.
const stdin = fstatSync(0, { bigint: true });
// Only a pipe says anything about the parent; a terminal or /dev/null never closes with it.
if (stdin.isFIFO() || stdin.isSocket()) {
  let stopping = false;
  const parentGone = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.kill(process.pid, "SIGKILL"), ${ORPHAN_STOP_GRACE_MS}).unref();
    process.kill(process.pid, "SIGTERM");
  };
  process.stdin.on("end", parentGone).on("close", parentGone).on("error", parentGone);
  process.stdin.resume();
  // Watching the pipe must not keep a process alive that has nothing else to do.
  process.stdin.unref?.();
}
`;

export const PARENT_WATCHDOG_IMPORT = `data:text/javascript,${encodeURIComponent(WATCHDOG_SOURCE)}`;
