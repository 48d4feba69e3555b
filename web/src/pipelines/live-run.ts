import type { PipelineEvent, PipelineRunView, StageRunStatus } from "@lantern/shared/contracts";

/** One model's answer as it streams: keyed by model and role (a synthesis writer may also be a candidate). */
export interface LiveText {
  model: string;
  role: "candidate" | "synthesis";
  text: string;
}

/**
 * A run being watched: its stored view (fetched when it starts and after each stage), with what the
 * events say since: each stage's state and every model's text as it arrives.
 */
export interface LiveRun {
  runId: string | null;
  view: PipelineRunView | null;
  stageStatus: Record<number, StageRunStatus>;
  /** Per stage index, per `role:model`. */
  texts: Record<number, Record<string, LiveText>>;
  /** The run's final answer as it is written (the last stage's). */
  finalText: string;
  ended: { status: "succeeded" | "failed" | "cancelled"; message: string } | null;
}

export const emptyLiveRun = (): LiveRun => ({ runId: null, view: null, stageStatus: {}, texts: {}, finalText: "", ended: null });

/** The run after one event; `refresh` is true when the stored view should be read again (a stage ended, or the run). */
export function applyEvent(run: LiveRun, event: PipelineEvent): { run: LiveRun; refresh: boolean } {
  const next = { ...run, runId: event.runId };
  switch (event.type) {
    case "run.queued":
      return { run: next, refresh: true };
    case "stage.started":
      return { run: { ...next, stageStatus: { ...run.stageStatus, [event.index]: "running" }, texts: { ...run.texts, [event.index]: {} } }, refresh: false };
    case "stage.answer.delta": {
      const key = `${event.role}:${event.model}`;
      const stage = run.texts[event.index] ?? {};
      const old = stage[key]?.text ?? "";
      return { run: { ...next, texts: { ...run.texts, [event.index]: { ...stage, [key]: { model: event.model, role: event.role, text: old + event.text } } } }, refresh: false };
    }
    case "stage.delta":
      return { run: { ...next, finalText: run.finalText + event.text }, refresh: false };
    case "stage.completed":
      return { run: { ...next, stageStatus: { ...run.stageStatus, [event.index]: "succeeded" } }, refresh: true };
    case "stage.failed":
      return { run: { ...next, stageStatus: { ...run.stageStatus, [event.index]: event.willRetry ? "running" : "failed" } }, refresh: true };
    case "run.completed":
      return { run: { ...next, ended: { status: "succeeded", message: event.output } }, refresh: true };
    case "run.failed":
      return { run: { ...next, ended: { status: "failed", message: event.error } }, refresh: true };
    case "run.cancelled":
      return { run: { ...next, ended: { status: "cancelled", message: event.reason } }, refresh: true };
    default:
      return { run: next, refresh: false };
  }
}

/** A stage's state: what the events said last, unless the stored view has settled it. */
export function stageStatusOf(run: LiveRun, index: number): StageRunStatus {
  const stored = run.view?.stages.find((s) => s.index === index)?.status;
  if (stored === "succeeded" || stored === "failed") return stored;
  return run.stageStatus[index] ?? stored ?? "pending";
}
