/** What a process holds, from /proc (any process) and from the memory probe (Node.js processes). */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const MiB = 1024 * 1024;

export interface ProcessMemory {
  /** Resident set, and its anonymous (heap, WebAssembly, native allocations) and file-backed (code) parts, MiB. */
  rss: number;
  /**
   * Proportional set: pages shared with other processes (the node binary's code, in every Node.js
   * process of the stack) counted as a share each, so the stack's sum is what it takes from the machine.
   */
  pss: number;
  anon: number;
  file: number;
  /** From the probe, MiB; absent for nats-server. */
  heapUsed?: number;
  heapTotal?: number;
  /** Memory V8 does not manage, WebAssembly memory (PGlite's) included. */
  external?: number;
}

/**
 * Of the process, and with `withChildren` of what it started too (nats-server runs under a small
 * wrapper that exits with the supervisor: the state file records the wrapper).
 */
export function residentMemory(pid: number, withChildren = false): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    const own = { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile"), pss: proportionalKiB(pid) / 1024 };
    for (const child of withChildren ? childrenOf(pid) : []) {
      const theirs = residentMemory(child, true);
      if (theirs) for (const key of ["rss", "anon", "file", "pss"] as const) own[key] += theirs[key];
    }
    return own;
  } catch {
    return undefined;
  }
}

function proportionalKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resident memory of each pid, with the probe's figures where the process answers SIGUSR2 within a second. */
export async function probeMemory(pids: Map<string, number>, probeDir: string): Promise<Map<string, ProcessMemory>> {
  for (const pid of pids.values()) rmSync(join(probeDir, `${pid}.json`), { force: true });
  for (const [name, pid] of pids) if (name !== "nats") signal(pid, "SIGUSR2");
  await sleep(1_000);
  const figures = new Map<string, ProcessMemory>();
  for (const [name, pid] of pids) {
    const resident = residentMemory(pid, name === "nats");
    if (!resident) continue;
    const probe = join(probeDir, `${pid}.json`);
    if (existsSync(probe)) {
      const p = JSON.parse(readFileSync(probe, "utf8")) as { heapUsed: number; heapTotal: number; external: number };
      Object.assign(resident, { heapUsed: p.heapUsed / MiB, heapTotal: p.heapTotal / MiB, external: p.external / MiB });
    }
    figures.set(name, resident);
  }
  return figures;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone meanwhile: its figures are left out
  }
}
