import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { exitWithParentCommand } from "./nats-child.js";
import { waitGone } from "./process-probe.js";

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A long sleep in place of nats-server, under the wrapper, in its own process group. */
async function wrappedSleep() {
  const { command, args } = exitWithParentCommand("sleep", ["600"]);
  const child = spawn(command, args, { stdio: ["pipe", "ignore", "ignore"], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 300));
  return { child, exited, pgid: child.pid! };
}

it("stops the server and exits when the pipe from its parent closes", async () => {
  const { child, exited, pgid } = await wrappedSleep();
  expect(groupExists(pgid)).toBe(true);
  child.stdin!.end();
  expect(await exited).toBe(143); // the server's own exit: SIGTERM
  expect(await waitGone(() => groupExists(pgid), 5_000)).toBe(true);
});

it("stops the server when its process group gets SIGTERM", async () => {
  const { child, exited, pgid } = await wrappedSleep();
  process.kill(-pgid, "SIGTERM");
  await exited;
  expect(await waitGone(() => groupExists(pgid), 5_000)).toBe(true);
  child.stdin!.destroy();
});
