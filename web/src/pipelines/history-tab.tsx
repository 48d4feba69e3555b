import { useEffect, useState } from "preact/hooks";
import type { GenerationParams, PipelineRunSummary, PipelineRunView } from "@lantern/shared/contracts";
import { pipelinesApi, PipelinesApiError } from "../api/pipelines-api.js";
import { emptyLiveRun } from "./live-run.js";
import { RunPanel, useRunWatch } from "./run-panel.js";
import { runTree, type RunNode } from "./run-tree.js";

const errorText = (err: unknown) => (err instanceof PipelinesApiError ? err.body.message : String(err));
const when = (iso: string) => new Date(iso).toLocaleString();

function TreeNode({ node, selected, onSelect, depth }: { node: RunNode; selected: string | null; onSelect: (id: string) => void; depth: number }) {
  const { run } = node;
  return (
    <li>
      <button
        class={`run-node ${run.id === selected ? "active" : ""}`}
        data-testid="history-run"
        data-run-id={run.id}
        data-parent-id={run.parentRunId ?? ""}
        style={{ paddingLeft: `${0.4 + depth * 1.1}rem` }}
        onClick={() => onSelect(run.id)}
      >
        <span class="run-node-head">
          {depth > 0 ? <span class="muted">↳</span> : null}
          <strong>{run.pipeline}</strong>
          <span class={`tag ${run.status}`}>{run.status}</span>
          {run.rerunFromStage ? <span class="muted small">from {run.rerunFromStage}</span> : null}
        </span>
        <span class="muted small run-node-meta">
          {when(run.createdAt)} · {run.usage.completionTokens} tokens · {run.input.slice(0, 40)}
        </span>
      </button>
      {node.children.length > 0 ? (
        <ul class="run-children" data-testid="history-children">
          {node.children.map((child) => (
            <TreeNode key={child.run.id} node={child} selected={selected} onSelect={onSelect} depth={depth + 1} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

interface HistoryTabProps {
  /** A run and stage to open with the rerun form set (from another tab's "Rerun from here"). */
  target: { runId: string; stage: string } | null;
}

/** History: runs as a tree (reruns under their parents), each with its stages; rerun from a stage with changed settings or input. */
export function HistoryTab({ target }: HistoryTabProps) {
  const [runs, setRuns] = useState<PipelineRunSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(target?.runId ?? null);
  const [view, setView] = useState<PipelineRunView | null>(null);
  const [fromStage, setFromStage] = useState(target?.stage ?? "");
  const [input, setInput] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [temperature, setTemperature] = useState("");
  const [seed, setSeed] = useState("");
  const [error, setError] = useState<string | null>(null);
  const watch = useRunWatch();

  const reload = () => pipelinesApi.runs().then(setRuns, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);
  useEffect(() => {
    if (!selected) return;
    pipelinesApi.run(selected).then(
      (run) => {
        setView(run);
        setInput(run.input);
        setFromStage((old) => (run.stages.some((s) => s.name === old) ? old : (run.stages[0]?.name ?? "")));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [selected]);
  useEffect(() => {
    // A rerun just ended: it is in the tree now, and selected.
    if (!watch.busy && watch.run?.runId && watch.run.ended) {
      void reload();
      setSelected(watch.run.runId);
    }
  }, [watch.busy]);

  const rerun = () => {
    if (!view) return;
    const params: GenerationParams = {
      ...(maxTokens ? { max_tokens: Number(maxTokens) } : {}),
      ...(temperature ? { temperature: Number(temperature) } : {}),
      ...(seed ? { seed: Number(seed) } : {}),
    };
    const body = { from_stage: fromStage, ...(Object.keys(params).length ? { params: { [fromStage]: params } } : {}), ...(input !== view.input ? { input } : {}) };
    void watch.start((onEvent) => pipelinesApi.rerun(view.id, body, onEvent));
  };

  return (
    <div class="history-tab">
      <aside class="run-tree">
        <div class="run-tree-head">
          <strong>Runs</strong>
          <button class="small-button" onClick={() => void reload()}>
            Refresh
          </button>
        </div>
        <ul data-testid="history-tree">
          {runTree(runs).map((node) => (
            <TreeNode key={node.run.id} node={node} selected={selected} onSelect={setSelected} depth={0} />
          ))}
        </ul>
        {runs.length === 0 ? <p class="muted small">No runs yet: run a pipeline on the Base or Manual tab.</p> : null}
      </aside>
      <div class="history-detail">
        {error ? <div class="error-box" role="alert">{error}</div> : null}
        {view ? (
          <form
            class="rerun-form"
            data-testid="rerun-form"
            onSubmit={(e) => {
              e.preventDefault();
              rerun();
            }}
          >
            <label>
              Rerun from stage
              <select data-testid="rerun-stage" value={fromStage} onChange={(e) => setFromStage(e.currentTarget.value)}>
                {view.stages.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.index + 1}. {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Max tokens
              <input data-testid="rerun-max-tokens" inputMode="numeric" value={maxTokens} placeholder="as before" onInput={(e) => setMaxTokens(e.currentTarget.value)} />
            </label>
            <label>
              Temperature
              <input inputMode="decimal" value={temperature} placeholder="as before" onInput={(e) => setTemperature(e.currentTarget.value)} />
            </label>
            <label>
              Seed
              <input inputMode="numeric" value={seed} placeholder="as before" onInput={(e) => setSeed(e.currentTarget.value)} />
            </label>
            <label class="grow">
              Input
              <textarea rows={1} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" data-testid="rerun-submit" disabled={watch.busy}>
              {watch.busy ? "Running…" : "Rerun"}
            </button>
          </form>
        ) : (
          <p class="muted">Pick a run to see its stages: prompts, answers, tokens, timings and workers.</p>
        )}
        {watch.error ? <div class="error-box" role="alert" data-testid="run-error">{watch.error}</div> : null}
        {watch.busy && watch.run ? (
          <RunPanel run={watch.run} />
        ) : view ? (
          <RunPanel run={{ ...emptyLiveRun(), runId: view.id, view }} onRerun={(_, stage) => setFromStage(stage)} />
        ) : null}
      </div>
    </div>
  );
}
