import type { DraftIssue, DraftStage } from "./draft-pipeline.js";

/** A model the builder offers: a name of models.yaml, and whether a live worker serves it. */
export interface ModelOption {
  name: string;
  served: boolean;
}

interface StageEditorProps {
  stage: DraftStage;
  index: number;
  /** The stages before this one: what it may take its input from. */
  earlier: string[];
  models: ModelOption[];
  issues: DraftIssue[];
  onChange: (stage: DraftStage) => void;
  onRemove: () => void;
  onMove: (by: -1 | 1) => void;
  last: boolean;
}

const label = (m: ModelOption) => (m.served ? m.name : `${m.name} (not served)`);

/** One stage of the manual builder: kind, models, prompt, inputs, output mode, aggregation and generation settings. */
export function StageEditor({ stage, index, earlier, models, issues, onChange, onRemove, onMove, last }: StageEditorProps) {
  const set = <K extends keyof DraftStage>(key: K, value: DraftStage[K]) => onChange({ ...stage, [key]: value });
  const toggle = (list: string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const testId = (field: string) => `stage-${index}-${field}`;
  return (
    <fieldset class={`stage-editor ${issues.length ? "invalid" : ""}`} data-testid={`stage-editor-${index}`}>
      <legend>
        Stage {index + 1}
        <span class="row-actions">
          <button type="button" class="icon" title="Move up" disabled={index === 0} onClick={() => onMove(-1)}>
            ↑
          </button>
          <button type="button" class="icon" title="Move down" disabled={last} onClick={() => onMove(1)}>
            ↓
          </button>
          <button type="button" class="icon" title="Remove stage" onClick={onRemove}>
            ✕
          </button>
        </span>
      </legend>
      <div class="editor-grid">
        <label>
          Name
          <input data-testid={testId("name")} value={stage.name} onInput={(e) => set("name", e.currentTarget.value)} />
        </label>
        <label>
          Kind
          <select data-testid={testId("type")} value={stage.type} onChange={(e) => set("type", e.currentTarget.value as DraftStage["type"])}>
            <option value="single">single: one model</option>
            <option value="multi">multi: several</option>
          </select>
        </label>
        {stage.type === "single" ? (
          <label>
            Model
            <select data-testid={testId("model")} value={stage.model} onChange={(e) => set("model", e.currentTarget.value)}>
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {label(m)}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <div class="checks wide" data-testid={testId("models")}>
            <span>Models</span>
            {models.map((m) => (
              <label key={m.name} class="check">
                <input type="checkbox" value={m.name} checked={stage.models.includes(m.name)} onChange={() => set("models", toggle(stage.models, m.name))} />
                {label(m)}
              </label>
            ))}
          </div>
        )}
        <div class="checks wide" data-testid={testId("input-from")}>
          <span>Input from</span>
          {["input", ...earlier].map((from) => (
            <label key={from} class="check">
              <input type="checkbox" value={from} checked={stage.inputFrom.includes(from)} onChange={() => set("inputFrom", toggle(stage.inputFrom, from))} />
              {from === "input" ? "the run's input" : from}
            </label>
          ))}
          {stage.inputFrom.length === 0 ? <span class="muted small">(none ticked: {index === 0 ? "the run's input" : "the stage before"})</span> : null}
        </div>
        <label class="wide">
          Prompt template
          <textarea data-testid={testId("prompt")} rows={2} value={stage.prompt} onInput={(e) => set("prompt", e.currentTarget.value)} />
        </label>
        <label>
          Output
          <select value={stage.outputMode} onChange={(e) => set("outputMode", e.currentTarget.value as DraftStage["outputMode"])}>
            <option value="answer_only">answer only</option>
            <option value="input_plus_answer">input + answer</option>
          </select>
        </label>
        <label>
          Max tokens
          <input data-testid={testId("max-tokens")} inputMode="numeric" value={stage.maxTokens} placeholder="models.yaml" onInput={(e) => set("maxTokens", e.currentTarget.value)} />
        </label>
        <label>
          Temperature
          <input inputMode="decimal" value={stage.temperature} placeholder="models.yaml" onInput={(e) => set("temperature", e.currentTarget.value)} />
        </label>
        {stage.type === "multi" ? (
          <label>
            Aggregation
            <select data-testid={testId("aggregation")} value={stage.aggregation} onChange={(e) => set("aggregation", e.currentTarget.value as DraftStage["aggregation"])}>
              <option value="concat">concat</option>
              <option value="vote">vote</option>
              <option value="synthesis">synthesis</option>
              <option value="template">template</option>
            </select>
          </label>
        ) : null}
        {stage.type === "multi" && stage.aggregation === "vote" ? (
          <label>
            Choices (comma-separated)
            <input data-testid={testId("choices")} value={stage.choices} onInput={(e) => set("choices", e.currentTarget.value)} />
          </label>
        ) : null}
        {stage.type === "multi" && stage.aggregation === "concat" ? (
          <label>
            Separator
            <input value={stage.separator} placeholder="\n\n" onInput={(e) => set("separator", e.currentTarget.value)} />
          </label>
        ) : null}
        {stage.type === "multi" && stage.aggregation === "synthesis" ? (
          <>
            <label>
              Synthesis model
              <select value={stage.synthesisModel} onChange={(e) => set("synthesisModel", e.currentTarget.value)}>
                {models.map((m) => (
                  <option key={m.name} value={m.name}>
                    {label(m)}
                  </option>
                ))}
              </select>
            </label>
            <label class="wide">
              Synthesis prompt ({"{input}"}, {"{candidates}"})
              <textarea rows={2} value={stage.synthesisPrompt} placeholder="the default" onInput={(e) => set("synthesisPrompt", e.currentTarget.value)} />
            </label>
          </>
        ) : null}
        {stage.type === "multi" && stage.aggregation === "template" ? (
          <label class="wide">
            Template ({"{input}"}, {"{candidates}"}, {"{answers.<model>}"}, {"{answers.1}"})
            <textarea rows={2} value={stage.template} onInput={(e) => set("template", e.currentTarget.value)} />
          </label>
        ) : null}
      </div>
      {issues.length > 0 ? (
        <ul class="issues" data-testid={testId("issues")}>
          {issues.map((issue) => (
            <li key={`${issue.field}:${issue.message}`}>
              <code>{issue.field || "stage"}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
