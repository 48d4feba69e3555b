/**
 * `<data dir>/stack.json`: what a running `npm start` runs (its pid, where NATS, the gateway and
 * admin are, what a joining worker needs, every child's pid), so `npm stop`, `npm run worker` and
 * the next `npm start` find it. Written on every change, removed on a clean stop.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RecordedChild {
  name: string;
  pid: number;
  /** Part of its command line, so a pid reused by another program is left alone. */
  marker: string;
}

export interface StackState {
  supervisorPid: number;
  /** Part of the supervisor's command line (its script). */
  supervisorMarker: string;
  startedAt: string;
  dataDir: string;
  natsUrl: string;
  /** True when the stack runs its own nats-server (it is among `children`); false with NATS_URL. */
  ownNats: boolean;
  gatewayUrl: string;
  adminUrl: string | undefined;
  /** What a worker joining this stack needs besides NATS_URL: INFERENCE_MODELS, MODELS_DIR, NATS_NAMESPACE. */
  workerEnv: Record<string, string>;
  /** Metrics ports the stack's workers use, so a joining worker picks another. */
  workerMetricsPorts: number[];
  /** In start order; stopped in reverse. */
  children: RecordedChild[];
}

export function stateFilePath(dataDir: string): string {
  return join(dataDir, "stack.json");
}

export function writeStackState(state: StackState): void {
  mkdirSync(state.dataDir, { recursive: true });
  const path = stateFilePath(state.dataDir);
  // Written aside and renamed, so a reader never sees half a file.
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, path);
}

/** The recorded stack, or undefined when there is none (or the file is not one of ours). */
export function readStackState(dataDir: string): StackState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFilePath(dataDir), "utf8")) as StackState;
    return typeof state.supervisorPid === "number" && Array.isArray(state.children) ? state : undefined;
  } catch {
    return undefined;
  }
}

export function removeStackState(dataDir: string): void {
  rmSync(stateFilePath(dataDir), { force: true });
}
