import { readdirSync, readFileSync } from "node:fs";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface RunFigures {
  tokensPerSecond: number;
  ttftP50: number;
  ttftP95: number;
}

/** Aggregate tokens/s over all rounds' wall time, and time-to-first-token percentiles. */
export function summarize(rounds: Array<{ wallMs: number; tokens: number; ttfts: number[] }>): RunFigures {
  // wallMs is each round's own duration, so idle time between rounds never counts.
  const tokens = rounds.reduce((s, r) => s + r.tokens, 0);
  const wall = rounds.reduce((s, r) => s + r.wallMs, 0);
  const ttfts = rounds.flatMap((r) => r.ttfts);
  return { tokensPerSecond: (tokens / wall) * 1000, ttftP50: percentile(ttfts, 50), ttftP95: percentile(ttfts, 95) };
}

export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, read from /proc; NaN where there is none. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (all but idle and iowait) the whole machine has used so far, summed over its cores, in seconds. */
export function machineBusySeconds(): number {
  try {
    // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...", in clock ticks.
    const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

// Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream architecture.
const CLOCK_TICKS_PER_SECOND = 100;

/** A process and all its descendants (a gateway with GATEWAY_PROCESSES runs as a primary and its children). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${thread}/children`, "utf8").trim();
      if (listed) children = children.concat(listed.split(" ").map(Number));
    }
  } catch {
    // Gone, or no /proc: the process alone.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Sum of a figure over a process and its descendants. */
export const overTree = (pid: number, figure: (pid: number) => number): number => processTree(pid).reduce((sum, p) => sum + figure(p), 0);
