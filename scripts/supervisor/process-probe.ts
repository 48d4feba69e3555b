/** What a recorded pid is now: alive or not, and whether it is still the process that was recorded. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { processRuns } from "@lantern/shared/lifecycle/process-alive";


/** The process's command line, or undefined when it is gone or cannot be read. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    try {
      return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

/** True while `pid` runs and its command line still holds `marker` (a pid reused by another program does not). */
export function isRecordedProcess(pid: number, marker: string): boolean {
  if (!processRuns(pid)) return false;
  const commandLine = commandLineOf(pid);
  return commandLine === undefined || commandLine.includes(marker);
}

/** Sends `signal` to the process group `pid` leads, else to the process; false when neither exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // not a group leader, or gone
    }
  }
  return false;
}

export async function waitGone(isRunning: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
