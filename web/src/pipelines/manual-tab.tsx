import { useEffect, useState } from "preact/hooks";
import type { PipelineCheck, PipelineDefinitionSummary, PipelineModelsReport, PipelineRunView } from "@lantern/shared/contracts";
import { adminToken } from "../api/admin-client.js";
import { pipelinesApi, PipelinesApiError } from "../api/pipelines-api.js";
import { draftIssues, fromDefinition, newStage, toDefinition, type DraftStage } from "./draft-pipeline.js";
import { ModelCheck } from "./model-check.js";
import { RunPanel, useRunWatch } from "./run-panel.js";
import { StageEditor, type ModelOption } from "./stage-editor.js";

const REPORT_TRIES = 4;
const REPORT_RETRY_MS = 2_000;

const errorText = (err: unknown) => (err instanceof PipelinesApiError ? `${err.body.message}${err.body.param ? ` (${err.body.param})` : ""}` : String(err));

interface ManualTabProps {
  onRerun: (view: PipelineRunView, stage: string) => void;
}

/** Manual: a pipeline built in the browser, checked as it is edited, run without saving or saved into PIPELINES_DIR. */
export function ManualTab({ onRerun }: ManualTabProps) {
  const [report, setReport] = useState<PipelineModelsReport | null>(null);
  const [saved, setSaved] = useState<PipelineDefinitionSummary[]>([]);
  const [description, setDescription] = useState("");
  const [stages, setStages] = useState<DraftStage[]>([]);
  const [name, setName] = useState("manual");
  const [input, setInput] = useState("Once upon a time");
  const [token, setToken] = useState(adminToken.get());
  const [overwrite, setOverwrite] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [check, setCheck] = useState<PipelineCheck | null>(null);
  const watch = useRunWatch();

  const options: ModelOption[] = (report?.models ?? []).map((m) => ({ name: m.name, served: m.servedBy.length > 0 }));
  const firstModel = options.find((m) => m.served)?.name ?? options[0]?.name ?? "";
  useEffect(() => {
    let stopped = false;
    // The builder needs models.yaml's names: a busy orchestrator is asked again, a few times.
    const load = async (tries: number) => {
      try {
        const loaded = await pipelinesApi.models();
        if (!stopped) setReport(loaded);
      } catch (err) {
        if (stopped) return;
        setNote({ ok: false, text: `${errorText(err)}${tries > 1 ? " Asking again…" : ""}` });
        if (tries > 1) setTimeout(() => void load(tries - 1), REPORT_RETRY_MS);
      }
    };
    void load(REPORT_TRIES);
    pipelinesApi.definitions().then((list) => !stopped && setSaved(list.data), () => {});
    return () => {
      stopped = true;
    };
  }, []);
  useEffect(() => {
    if (report) setNote((old) => (old && !old.ok ? null : old));
  }, [report]);
  useEffect(() => {
    if (firstModel && stages.length === 0) setStages([newStage(0, firstModel)]);
  }, [firstModel]);

  const definition = toDefinition(description, stages);
  const issues = report?.modelsFile ? draftIssues(description, stages, { names: options.map((m) => m.name), label: report.modelsFile }) : [];
  const general = issues.filter((i) => i.stage === null);
  const update = (i: number, stage: DraftStage) => setStages(stages.map((s, j) => (j === i ? stage : s)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...stages];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    setStages(next);
  };
  const attempt = (work: () => Promise<string>) =>
    void work().then(
      (text) => setNote({ ok: true, text }),
      (err: unknown) => setNote({ ok: false, text: errorText(err) }),
    );

  return (
    <div class="tab-body manual-tab">
      <div class="builder-head">
        <label>
          Start from
          <select
            data-testid="manual-load"
            value=""
            onChange={(e) => {
              const from = e.currentTarget.value;
              if (from) attempt(async () => {
                const loaded = fromDefinition((await pipelinesApi.definition(from)).definition, firstModel);
                setDescription(loaded.description);
                setStages(loaded.stages);
                setName(`${from}-copy`);
                return `Loaded ${from}: saving under another name keeps the original.`;
              });
            }}
          >
            <option value="">a saved pipeline…</option>
            {saved.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <span class="muted small builder-note">Models from {report?.modelsFile ?? "models.yaml"}; one not served runs once a worker loads it (the Models tab says where it fits).</span>
      </div>
      {general.length > 0 ? (
        <ul class="issues" data-testid="pipeline-issues">
          {general.map((i) => (
            <li key={i.message}>
              <code>{i.field}</code>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      {stages.map((stage, i) => (
        <StageEditor
          key={i}
          stage={stage}
          index={i}
          earlier={stages.slice(0, i).map((s) => s.name)}
          models={options}
          issues={issues.filter((issue) => issue.stage === i)}
          onChange={(s) => update(i, s)}
          onRemove={() => setStages(stages.filter((_, j) => j !== i))}
          onMove={(by) => move(i, by)}
          last={i === stages.length - 1}
        />
      ))}
      <button type="button" data-testid="add-stage" onClick={() => setStages([...stages, newStage(stages.length, firstModel)])}>
        Add stage
      </button>
      <div class="builder-actions">
        <label>
          Name
          <input data-testid="manual-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="grow">
          Input
          <textarea data-testid="manual-input" rows={2} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <div class="button-column">
          <button
            class="primary"
            data-testid="manual-run"
            disabled={issues.length > 0 || watch.busy || stages.length === 0}
            onClick={() => void watch.start((onEvent) => pipelinesApi.runInline({ name, definition, input }, onEvent))}
          >
            {watch.busy ? "Running…" : "Run without saving"}
          </button>
          <button data-testid="manual-check" disabled={issues.length > 0} onClick={() => pipelinesApi.check({ definition }).then(setCheck, (err: unknown) => setNote({ ok: false, text: errorText(err) }))}>
            Check models
          </button>
        </div>
      </div>
      <div class="builder-actions save-row">
        <label>
          Admin token
          <input type="password" autocomplete="off" data-testid="manual-admin-token" value={token} placeholder="GATEWAY_ADMIN_TOKEN" onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.currentTarget.checked)} />
          replace a pipeline of that name
        </label>
        <button
          data-testid="manual-save"
          disabled={issues.length > 0 || stages.length === 0}
          onClick={() =>
            attempt(async () => {
              adminToken.set(token.trim());
              const done = await pipelinesApi.save(name, definition, overwrite, token.trim());
              return `Saved as ${done.file}${done.created ? "" : " (replaced)"}: it is on the Base tab now.`;
            })
          }
        >
          Save to PIPELINES_DIR
        </button>
      </div>
      {note ? (
        <div class={note.ok ? "note-box" : "error-box"} role={note.ok ? "status" : "alert"} data-testid="manual-note">
          {note.text}
        </div>
      ) : null}
      <ModelCheck check={check} />
      {watch.error ? <div class="error-box" role="alert" data-testid="run-error">{watch.error}</div> : null}
      {watch.run ? <RunPanel run={watch.run} onRerun={onRerun} /> : null}
    </div>
  );
}
