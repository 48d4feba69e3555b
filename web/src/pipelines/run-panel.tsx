import { useRef, useState } from "preact/hooks";
import { isFinalRunStatus, type PipelineEvent, type PipelineRunView } from "@lantern/shared/contracts";
import { pipelinesApi, PipelinesApiError } from "../api/pipelines-api.js";
import { applyEvent, emptyLiveRun, stageStatusOf, type LiveRun } from "./live-run.js";
import { StageCard } from "./stage-card.js";

const SETTLE_POLL_MS = 1_000;

/** Starts a run (a call that follows its events) and keeps its live state; the stored view is read again whenever a stage or the run ends. */
export function useRunWatch() {
  const [run, setRun] = useState<LiveRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const current = useRef<LiveRun>(emptyLiveRun());

  const refresh = async (runId: string) => {
    const view = await pipelinesApi.run(runId).catch(() => null);
    if (view && current.current.runId === runId) {
      current.current = { ...current.current, view };
      setRun(current.current);
    }
  };

  /** The stream of events was cut before the run ended: its stored state is read until it has. */
  const settle = async (runId: string) => {
    for (;;) {
      const view = await pipelinesApi.run(runId).catch(() => null);
      if (view && isFinalRunStatus(view.status)) {
        const message = view.status === "succeeded" ? (view.output ?? "") : (view.error ?? view.status);
        current.current = { ...current.current, view, ended: { status: view.status as "succeeded" | "failed" | "cancelled", message } };
        setRun(current.current);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  };

  const start = async (follow: (onEvent: (event: PipelineEvent) => void) => Promise<void>) => {
    current.current = emptyLiveRun();
    setRun(current.current);
    setError(null);
    setBusy(true);
    const pending: Array<Promise<void>> = [];
    try {
      await follow((event) => {
        const step = applyEvent(current.current, event);
        current.current = step.run;
        setRun(step.run);
        if (step.refresh) pending.push(refresh(event.runId));
      }).catch((err: unknown) => {
        // Refused before it began: nothing to follow. Cut after: the run goes on, and is read back below.
        if (!current.current.runId) throw err;
      });
      await Promise.all(pending);
      const runId = current.current.runId;
      if (runId && !current.current.ended) await settle(runId);
      else if (runId) await refresh(runId);
    } catch (err) {
      setError(err instanceof PipelinesApiError ? err.body.message : String(err));
      if (!current.current.runId) setRun(null);
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy, start };
}

interface RunPanelProps {
  run: LiveRun;
  onRerun?: ((view: PipelineRunView, stage: string) => void) | undefined;
}

/** A run as it goes: the final answer on top once written, then each stage with its models' answers streaming, the votes and what it passes on. */
export function RunPanel({ run, onRerun }: RunPanelProps) {
  const view = run.view;
  const status = run.ended?.status ?? view?.status ?? "queued";
  const final = run.ended?.status === "succeeded" ? run.ended.message : (view?.output ?? null);
  const finished = status === "succeeded" || status === "failed";
  return (
    <section class="run-panel" data-testid="run-panel" data-run-id={run.runId ?? ""}>
      <div class="run-head">
        <strong>{view?.pipeline ?? "run"}</strong>
        <span class={`tag ${status}`} data-testid="run-status">
          {status}
        </span>
        <code class="muted small">{run.runId}</code>
        {view?.parentRunId ? <span class="muted small">rerun of {view.parentRunId} from '{view.rerunFromStage}'</span> : null}
        {view ? (
          <span class="muted small">
            {view.usage.promptTokens}+{view.usage.completionTokens} tokens
          </span>
        ) : null}
      </div>
      {view ? <div class="run-input muted small">input: {view.input}</div> : null}
      {final !== null ? (
        <div class="final-answer" data-testid="final-answer">
          <span class="muted small">Final answer</span>
          <div>{final}</div>
        </div>
      ) : run.finalText ? (
        <div class="final-answer writing">
          <span class="muted small">Final answer (writing)</span>
          <div>{run.finalText}</div>
        </div>
      ) : null}
      <div class="stage-list">
        {(view?.stages ?? []).map((stage) => (
          <StageCard
            key={stage.index}
            stage={stage}
            status={stageStatusOf(run, stage.index)}
            live={run.texts[stage.index]}
            onRerun={finished && onRerun && view ? () => onRerun(view, stage.name) : undefined}
          />
        ))}
      </div>
      {run.ended && run.ended.status !== "succeeded" ? (
        <div class="error-box" role="alert">
          {run.ended.message}
        </div>
      ) : null}
    </section>
  );
}
