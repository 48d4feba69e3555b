import type { TaskEvent, UsageEvent, WorkerHeartbeat } from "@lantern/shared/contracts";
import type { MonitorFrame } from "../api/monitor-client.js";

export type WorkerView = WorkerHeartbeat & { tokensPerSecond: number };
interface QueueView {
  model: string;
  waiting: { high: number; normal: number; low: number };
  oldestWaitMs: number | null;
}

export interface PullView {
  pullId: string;
  name: string;
  receivedBytes: number;
  totalBytes: number | null;
  state: "downloading" | "done" | "failed";
  detail?: string;
}

interface StageView {
  stage: string;
  index: number;
  status: "running" | "succeeded" | "failed";
}

interface RunView {
  runId: string;
  pipeline: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  stages: StageView[];
  at: number;
}

/** A task as its events told it: the newest event wins. */
export interface TaskRow {
  taskId: string;
  status: TaskEvent["status"];
  error: string | null;
  /** When it was queued (as far as seen), and when it last changed. */
  since: number;
  at: number;
}

/** How much of a model's prompt tokens workers took from their slots' caches, over the requests seen. */
interface ReuseRow {
  model: string;
  requests: number;
  promptTokens: number;
  cachedTokens: number;
}

export interface Sample {
  at: number;
  value: number;
}

interface MonitorState {
  workers: WorkerView[];
  queues: QueueView[];
  requests: UsageEvent[];
  reuse: ReuseRow[];
  pulls: PullView[];
  runs: RunView[];
  tasks: TaskRow[];
  /** Model loads, unloads and failures: a line each. */
  happenings: Array<{ at: number; kind: string; text: string }>;
  tokensPerSecond: Sample[];
  queueDepth: Sample[];
}

/** What the monitor follows. */
export const MONITOR_KINDS = ["worker.stats", "queue.stats", "usage", "model.*", "pipeline.*", "task.*"];
/** Five minutes of one-second samples. */
const SAMPLES_KEPT = 300;
const REQUESTS_KEPT = 30;
const LIST_KEPT = 20;

export const emptyMonitor: MonitorState = { workers: [], queues: [], requests: [], reuse: [], pulls: [], runs: [], tasks: [], happenings: [], tokensPerSecond: [], queueDepth: [] };

const sample = (list: Sample[], at: number, value: number) => [...list, { at, value }].slice(-SAMPLES_KEPT);
const upsert = <T,>(list: T[], same: (item: T) => boolean, make: (old: T | undefined) => T) => {
  const old = list.find(same);
  return [make(old), ...list.filter((item) => !same(item))].slice(0, LIST_KEPT);
};

type Data = Record<string, any>;

export function monitorReducer(state: MonitorState, event: MonitorFrame): MonitorState {
  const data = event.data as Data;
  const { kind, at } = event;
  if (kind === "worker.stats") {
    const workers = data.workers as WorkerView[];
    return { ...state, workers, tokensPerSecond: sample(state.tokensPerSecond, at, workers.reduce((sum, w) => sum + w.tokensPerSecond, 0)) };
  }
  if (kind === "queue.stats") {
    const queues = data.queues as QueueView[];
    const depth = queues.reduce((sum, q) => sum + q.waiting.high + q.waiting.normal + q.waiting.low, 0);
    return { ...state, queues, queueDepth: sample(state.queueDepth, at, depth) };
  }
  if (kind === "usage") {
    const usage = data as UsageEvent;
    const model = usage.servedModel ?? usage.model;
    // Only requests a worker evaluated: cache hits at the gateway and refusals say nothing of slots.
    const evaluated = usage.promptTokens > 0 && !usage.cacheHit && usage.provider === "local";
    const reuse = evaluated
      ? upsert(
          state.reuse,
          (r) => r.model === model,
          (old): ReuseRow => ({
            model,
            requests: (old?.requests ?? 0) + 1,
            promptTokens: (old?.promptTokens ?? 0) + usage.promptTokens,
            cachedTokens: (old?.cachedTokens ?? 0) + (usage.cachedTokens ?? 0),
          }),
        )
      : state.reuse;
    return { ...state, requests: [usage, ...state.requests].slice(0, REQUESTS_KEPT), reuse };
  }
  if (kind.startsWith("model.pull.")) {
    const pulls = upsert(
      state.pulls,
      (p) => p.pullId === data.pullId,
      (old): PullView => {
        const base: PullView = old ?? { pullId: data.pullId, name: data.name ?? data.pullId, receivedBytes: 0, totalBytes: null, state: "downloading" };
        if (kind === "model.pull.started") return { ...base, name: data.name, totalBytes: data.totalBytes, receivedBytes: data.resumedFromBytes ?? 0 };
        if (kind === "model.pull.progress") return { ...base, receivedBytes: data.receivedBytes, totalBytes: data.totalBytes ?? base.totalBytes };
        if (kind === "model.pull.done") return { ...base, state: "done", receivedBytes: base.totalBytes ?? base.receivedBytes };
        return { ...base, state: "failed", detail: data.error?.message ?? "failed" };
      },
    );
    return { ...state, pulls };
  }
  if (kind.startsWith("pipeline.")) {
    const runs = upsert(
      state.runs,
      (r) => r.runId === data.runId,
      (old): RunView => {
        const run: RunView = old ?? { runId: data.runId, pipeline: data.pipeline ?? "", status: "queued", stages: [], at };
        const type = kind.slice("pipeline.".length);
        const stage = (status: StageView["status"]): RunView => ({
          ...run,
          stages: [...run.stages.filter((s) => s.index !== data.index), { stage: data.stage, index: data.index, status }].sort((a, b) => a.index - b.index),
        });
        if (type === "run.queued") return { ...run, pipeline: data.pipeline };
        if (type === "run.started") return { ...run, status: "running" };
        if (type === "stage.started") return stage("running");
        if (type === "stage.completed") return stage("succeeded");
        if (type === "stage.failed") return stage(data.willRetry ? "running" : "failed");
        if (type === "run.completed") return { ...run, status: "succeeded" };
        if (type === "run.failed") return { ...run, status: "failed" };
        if (type === "run.cancelled") return { ...run, status: "cancelled" };
        return run;
      },
    );
    return { ...state, runs };
  }
  if (kind.startsWith("task.")) {
    const event = data as TaskEvent;
    const old = state.tasks.find((t) => t.taskId === event.taskId);
    // The socket replays recent events on connect: an older one must not undo a newer status.
    if (old && old.at > event.at) return state;
    const row: TaskRow = { taskId: event.taskId, status: event.status, error: event.error ?? null, since: old?.since ?? event.at, at: event.at };
    return { ...state, tasks: upsert(state.tasks, (t) => t.taskId === event.taskId, () => row) };
  }
  const text =
    kind === "model.loaded"
      ? `${data.model} loaded on ${data.workerId}`
      : kind === "model.unloaded"
        ? `${data.model} unloaded on ${data.workerId} (${data.reason})`
        : kind === "model.load_failed"
          ? `${data.model} failed to load on ${data.workerId}: ${data.reason}`
          : `${kind} ${data.taskId ?? data.id ?? ""}`;
  return { ...state, happenings: [{ at, kind, text }, ...state.happenings].slice(0, LIST_KEPT) };
}
