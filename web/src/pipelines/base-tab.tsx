import { useEffect, useState } from "preact/hooks";
import type { PipelineCheck, PipelineDefinitionSummary, PipelineRunView } from "@lantern/shared/contracts";
import { pipelinesApi, PipelinesApiError } from "../api/pipelines-api.js";
import { ModelCheck } from "./model-check.js";
import { RunPanel, useRunWatch } from "./run-panel.js";

const errorText = (err: unknown) => (err instanceof PipelinesApiError ? err.body.message : String(err));

interface BaseTabProps {
  onRerun: (view: PipelineRunView, stage: string) => void;
}

/** Base: a pipeline from PIPELINES_DIR, an input, a run watched stage by stage to its final answer. */
export function BaseTab({ onRerun }: BaseTabProps) {
  const [definitions, setDefinitions] = useState<PipelineDefinitionSummary[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [name, setName] = useState("");
  const [input, setInput] = useState("Once upon a time");
  const [check, setCheck] = useState<PipelineCheck | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const watch = useRunWatch();

  useEffect(() => {
    pipelinesApi.definitions().then(
      (list) => {
        setDefinitions(list.data);
        setProblems(list.problems);
        setName((old) => old || list.data[0]?.name || "");
      },
      (err: unknown) => setLoadError(errorText(err)),
    );
  }, []);
  useEffect(() => {
    setCheck(null);
    if (name) pipelinesApi.check({ pipeline: name }).then(setCheck, (err: unknown) => setLoadError(errorText(err)));
  }, [name]);

  const chosen = definitions.find((d) => d.name === name);
  return (
    <div class="tab-body base-tab">
      <form
        class="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          void watch.start((onEvent) => pipelinesApi.runNamed(name, input, onEvent));
        }}
      >
        <label>
          Pipeline
          <select data-testid="base-pipeline" value={name} onChange={(e) => setName(e.currentTarget.value)}>
            {definitions.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Input
          <textarea data-testid="base-input" rows={2} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-testid="base-run" disabled={!name || watch.busy}>
          {watch.busy ? "Running…" : "Run"}
        </button>
      </form>
      {chosen ? (
        <div class="definition-summary">
          {chosen.description ? <p class="muted">{chosen.description}</p> : null}
          <div class="stage-chips">
            {chosen.stages.map((s, i) => (
              <span key={s.name} class="chip">
                {i + 1}. <strong>{s.name}</strong> <span class="muted small">{s.kind === "single" ? s.models[0] : `${s.models.join(", ")} → ${s.aggregation}`}</span>
              </span>
            ))}
          </div>
        </div>
      ) : null}
      <ModelCheck check={check} />
      {problems.length > 0 ? (
        <details class="problems">
          <summary>{problems.length} definition problem(s) in PIPELINES_DIR</summary>
          <ul>{problems.map((p) => <li key={p}><code>{p}</code></li>)}</ul>
        </details>
      ) : null}
      {loadError ? <div class="error-box" role="alert">{loadError}</div> : null}
      {watch.error ? <div class="error-box" role="alert" data-testid="run-error">{watch.error}</div> : null}
      {watch.run ? <RunPanel run={watch.run} onRerun={onRerun} /> : null}
    </div>
  );
}
