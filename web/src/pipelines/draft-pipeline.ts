import { checkPipelineDefinition, fieldName, type DefinedModels, type PipelineFileInput } from "@lantern/shared/contracts";

export type AggregationMethod = "concat" | "vote" | "synthesis" | "template";

/** One stage as the builder edits it: text fields as typed, turned into a definition by toDefinition. */
export interface DraftStage {
  name: string;
  type: "single" | "multi";
  model: string;
  models: string[];
  prompt: string;
  system: string;
  /** Empty: the stage before (the first: the run's input). */
  inputFrom: string[];
  outputMode: "answer_only" | "input_plus_answer";
  aggregation: AggregationMethod;
  separator: string;
  /** Comma-separated. */
  choices: string;
  synthesisModel: string;
  synthesisPrompt: string;
  template: string;
  maxTokens: string;
  temperature: string;
}

export const newStage = (index: number, firstModel: string): DraftStage => ({
  name: `stage${index + 1}`,
  type: "single",
  model: firstModel,
  models: [],
  prompt: "{input}",
  system: "",
  inputFrom: [],
  outputMode: "answer_only",
  aggregation: "concat",
  separator: "",
  choices: "",
  synthesisModel: firstModel,
  synthesisPrompt: "",
  template: "",
  maxTokens: "",
  temperature: "",
});

const numberOf = (text: string) => (text.trim() === "" ? undefined : Number(text));

function aggregationOf(s: DraftStage): Record<string, unknown> {
  switch (s.aggregation) {
    case "vote":
      return { method: "vote", choices: s.choices.split(",").map((c) => c.trim()).filter(Boolean) };
    case "synthesis":
      return { method: "synthesis", model: s.synthesisModel, ...(s.synthesisPrompt ? { prompt: s.synthesisPrompt } : {}) };
    case "template":
      return { method: "template", template: s.template };
    default:
      return { method: "concat", ...(s.separator ? { separator: s.separator.replace(/\\n/g, "\n") } : {}) };
  }
}

/** The definition the stages make, in the file's own words (what a run or a save sends). */
export function toDefinition(description: string, stages: DraftStage[]): PipelineFileInput & Record<string, unknown> {
  return {
    ...(description.trim() ? { description: description.trim() } : {}),
    base_pipeline: {
      stages: stages.map((s) => {
        const maxTokens = numberOf(s.maxTokens);
        const temperature = numberOf(s.temperature);
        return {
          name: s.name,
          type: s.type,
          // No models ticked yet: left out, so the message is the schema's "names its 'models'".
          ...(s.type === "single" ? { model: s.model } : { ...(s.models.length ? { models: s.models } : {}), aggregation: aggregationOf(s) }),
          ...(s.inputFrom.length === 1 ? { input_from: s.inputFrom[0]! } : s.inputFrom.length > 1 ? { input_from: s.inputFrom } : {}),
          ...(s.outputMode !== "answer_only" ? { output_mode: s.outputMode } : {}),
          ...(s.prompt && s.prompt !== "{input}" ? { prompt: s.prompt } : {}),
          ...(s.system ? { system: s.system } : {}),
          ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
          ...(temperature !== undefined ? { temperature } : {}),
        };
      }),
    },
  } as PipelineFileInput & Record<string, unknown>;
}

/** A saved definition as builder stages (fields the builder does not edit are dropped). */
export function fromDefinition(definition: unknown, firstModel: string): { description: string; stages: DraftStage[] } {
  const file = (definition ?? {}) as { description?: string; base_pipeline?: { stages?: Array<Record<string, unknown>> } };
  const stages = (file.base_pipeline?.stages ?? []).map((raw, i) => {
    const base = newStage(i, firstModel);
    const agg = (typeof raw.aggregation === "string" ? { method: raw.aggregation } : (raw.aggregation ?? {})) as Record<string, unknown>;
    const from = raw.input_from;
    return {
      ...base,
      name: String(raw.name ?? base.name),
      type: raw.type === "multi" ? "multi" : "single",
      model: String(raw.model ?? firstModel),
      models: Array.isArray(raw.models) ? raw.models.map(String) : [],
      prompt: typeof raw.prompt === "string" ? raw.prompt : "{input}",
      system: typeof raw.system === "string" ? raw.system : "",
      inputFrom: typeof from === "string" ? [from] : Array.isArray(from) ? from.map(String) : [],
      outputMode: raw.output_mode === "input_plus_answer" ? "input_plus_answer" : "answer_only",
      aggregation: (["concat", "vote", "synthesis", "template"].includes(String(agg.method)) ? agg.method : "concat") as AggregationMethod,
      separator: typeof agg.separator === "string" ? agg.separator.replace(/\n/g, "\\n") : "",
      choices: Array.isArray(agg.choices) ? agg.choices.join(", ") : "",
      synthesisModel: typeof agg.model === "string" ? agg.model : firstModel,
      synthesisPrompt: typeof agg.prompt === "string" ? agg.prompt : "",
      template: typeof agg.template === "string" ? agg.template : "",
      maxTokens: raw.max_tokens === undefined ? "" : String(raw.max_tokens),
      temperature: raw.temperature === undefined ? "" : String(raw.temperature),
    } satisfies DraftStage;
  });
  return { description: file.description ?? "", stages };
}

/** A problem of the draft: the stage it is in (null: the pipeline's), the field, the orchestrator's message. */
export interface DraftIssue {
  stage: number | null;
  field: string;
  message: string;
}

/** The draft checked as the orchestrator checks a run's definition: same schema, same messages. */
export function draftIssues(description: string, stages: DraftStage[], models: DefinedModels): DraftIssue[] {
  const checked = checkPipelineDefinition(toDefinition(description, stages), models);
  if (checked.ok) return [];
  return checked.issues.map((issue) => {
    const inStage = issue.path[0] === "base_pipeline" && issue.path[1] === "stages" && typeof issue.path[2] === "number";
    return { stage: inStage ? (issue.path[2] as number) : null, field: inStage ? fieldName(issue.path.slice(3)) : fieldName(issue.path), message: issue.message };
  });
}
