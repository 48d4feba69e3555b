import { readFileSync } from "node:fs";

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
