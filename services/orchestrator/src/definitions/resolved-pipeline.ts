import type { GenerationParams } from "@lantern/shared/contracts";
import { RUN_INPUT, type Aggregation, type ModelsFile, type PipelineFile } from "./definition-schema.js";
import { DefinitionError, type SourceFile } from "./source-file.js";
import { placeholdersOf } from "./prompt-template.js";

/** A stage as a run executes it: references checked, parameters merged. */
export interface ResolvedStage {
  /** Position in the pipeline file, from 0. */
  index: number;
  name: string;
  kind: "single" | "multi";
  models: string[];
  aggregation: Aggregation | null;
  /** Stage names, or `input` for the run's input. */
  inputFrom: string[];
  outputMode: "answer_only" | "input_plus_answer";
  prompt: string;
  system: string | null;
  /** What the stage itself sets (and a run or rerun request over it): over the defaults and the model's overrides. */
  params: GenerationParams;
  /** Per model: its overrides, over the defaults and under the stage's params. */
  modelOverrides: Record<string, GenerationParams>;
}

/** A validated pipeline, as stored with each of its runs. */
export interface ResolvedPipeline {
  name: string;
  description: string | null;
  /** In file order; `order` lists their indexes in an order where each stage comes after its inputs. */
  stages: ResolvedStage[];
  order: number[];
  /** The models file's `defaults`. */
  defaults: GenerationParams;
  /** Every model a run needs: those its stages name and those `required_for_base`. */
  models: Record<string, { file: string }>;
  /** Where the model files are looked for. */
  modelsDirectory: string;
}

interface ResolveContext {
  name: string;
  pipeline: PipelineFile;
  source: SourceFile;
  models: ModelsFile;
  modelsSource: SourceFile;
  modelsDirectory: string;
}

const TEMPLATE_FIELDS = new Set(["input"]);

/**
 * Checks what the schema cannot (names unique, every model defined, every `input_from` names a
 * stage, no cycle) and merges the generation parameters. Every problem is collected.
 */
export function resolvePipeline(ctx: ResolveContext): ResolvedPipeline {
  const { pipeline, source, models } = ctx;
  const problems: string[] = [];
  const stagesPath = ["base_pipeline", "stages"] as const;
  const defs = pipeline.base_pipeline.stages;
  const indexOf = new Map<string, number>();
  defs.forEach((stage, i) => {
    if (stage.name === RUN_INPUT) problems.push(source.problem([...stagesPath, i, "name"], `'${RUN_INPUT}' is reserved for the run's input`));
    else if (indexOf.has(stage.name)) problems.push(source.problem([...stagesPath, i, "name"], `stage name '${stage.name}' is used twice`));
    else indexOf.set(stage.name, i);
  });
  const known = Object.keys(models.models);
  const needModel = (name: string, path: ReadonlyArray<PropertyKey>) => {
    if (!models.models[name]) problems.push(source.problem(path, `model '${name}' is not defined in ${ctx.modelsSource.label} (defined: ${known.join(", ")})`));
  };

  const stages: ResolvedStage[] = defs.map((def, i) => {
    const at = [...stagesPath, i] as const;
    const stageModels = def.type === "single" ? (def.model ? [def.model] : []) : (def.models ?? []);
    if (def.type === "single") needModel(def.model!, [...at, "model"]);
    else (def.models ?? []).forEach((m, j) => needModel(m, [...at, "models", j]));
    if (def.aggregation?.method === "synthesis") needModel(def.aggregation.model, [...at, "aggregation", "model"]);

    const inputFrom = def.input_from === undefined ? [i === 0 ? RUN_INPUT : defs[i - 1]!.name] : typeof def.input_from === "string" ? [def.input_from] : def.input_from;
    if (def.input_from !== undefined) {
      inputFrom.forEach((from, j) => {
        const path = typeof def.input_from === "string" ? [...at, "input_from"] : [...at, "input_from", j];
        if (from === def.name) problems.push(source.problem(path, `stage '${def.name}' cannot take its own output as input`));
        else if (from !== RUN_INPUT && !indexOf.has(from)) problems.push(source.problem(path, `no stage is named '${from}' (stages: ${[...indexOf.keys()].join(", ")}; '${RUN_INPUT}' is the run's input)`));
      });
    }
    for (const field of placeholdersOf(def.prompt)) {
      if (!TEMPLATE_FIELDS.has(field)) problems.push(source.problem([...at, "prompt"], `unknown placeholder {${field}}: a prompt may use {input}`));
    }
    if (def.aggregation?.method === "template") {
      const names = new Set(stageModels);
      for (const field of placeholdersOf(def.aggregation.template)) {
        const [head, rest] = splitField(field);
        const ok =
          field === "input" ||
          field === "candidates" ||
          (head === "answers" && rest !== undefined && (names.has(rest) || (/^\d+$/.test(rest) && Number(rest) >= 1 && Number(rest) <= stageModels.length)));
        if (!ok) problems.push(source.problem([...at, "aggregation", "template"], `unknown placeholder {${field}}: use {input}, {candidates}, {answers.<model>} or {answers.<1..${stageModels.length}>}`));
      }
    }
    if (def.aggregation?.method === "synthesis") {
      for (const field of placeholdersOf(def.aggregation.prompt)) {
        if (field !== "input" && field !== "candidates") problems.push(source.problem([...at, "aggregation", "prompt"], `unknown placeholder {${field}}: use {input} and {candidates}`));
      }
    }

    const callModels = [...stageModels, ...(def.aggregation?.method === "synthesis" ? [def.aggregation.model] : [])];
    return {
      index: i,
      name: def.name,
      kind: def.type,
      models: stageModels,
      aggregation: def.aggregation ?? null,
      inputFrom,
      outputMode: def.output_mode,
      prompt: def.prompt,
      system: def.system ?? null,
      params: stageParams(def),
      modelOverrides: Object.fromEntries(callModels.map((m) => [m, models.models[m]?.overrides ?? {}])),
    };
  });

  const order = problems.length === 0 ? topologicalOrder(stages, source, problems) : [];
  if (problems.length > 0) throw new DefinitionError(problems);

  const needed = new Set<string>(stages.flatMap((s) => Object.keys(s.modelOverrides)));
  for (const [name, model] of Object.entries(models.models)) if (model.required_for_base) needed.add(name);
  return {
    name: ctx.name,
    description: pipeline.description ?? null,
    stages,
    order,
    defaults: models.defaults ?? {},
    models: Object.fromEntries([...needed].map((m) => [m, { file: models.models[m]!.file }])),
    modelsDirectory: ctx.modelsDirectory,
  };
}

function splitField(field: string): [string, string | undefined] {
  const dot = field.indexOf(".");
  return dot < 0 ? [field, undefined] : [field.slice(0, dot), field.slice(dot + 1)];
}

function stageParams(def: PipelineFile["base_pipeline"]["stages"][number]): GenerationParams {
  const keys = ["max_tokens", "temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty", "response_format", "grammar"] as const;
  const params: GenerationParams = {};
  for (const key of keys) if (def[key] !== undefined) (params as Record<string, unknown>)[key] = def[key];
  return params;
}

/** Stage indexes, each after the stages it reads; a cycle is a problem naming its stages in order. */
function topologicalOrder(stages: ResolvedStage[], source: SourceFile, problems: string[]): number[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const state = new Map<number, "visiting" | "done">();
  const order: number[] = [];
  const visit = (stage: ResolvedStage, trail: ResolvedStage[]): boolean => {
    const seen = state.get(stage.index);
    if (seen === "done") return true;
    if (seen === "visiting") {
      const cycle = [...trail.slice(trail.indexOf(stage)), stage].map((s) => s.name);
      problems.push(source.problem(["base_pipeline", "stages", stage.index, "input_from"], `the stages form a cycle: ${cycle.join(" → ")} (each takes its input from the next)`));
      return false;
    }
    state.set(stage.index, "visiting");
    for (const from of stage.inputFrom) {
      const dep = byName.get(from);
      if (dep && !visit(dep, [...trail, stage])) return false;
    }
    state.set(stage.index, "done");
    order.push(stage.index);
    return true;
  };
  for (const stage of stages) if (!visit(stage, [])) return [];
  return order;
}

/** Indexes of `from` and every stage that reads, directly or not, from one of them. */
export function downstreamOf(pipeline: ResolvedPipeline, from: Iterable<number>): Set<number> {
  const affected = new Set(from);
  for (const index of pipeline.order) {
    const stage = pipeline.stages[index]!;
    if (stage.inputFrom.some((name) => pipeline.stages.some((s) => s.name === name && affected.has(s.index)))) affected.add(index);
  }
  return affected;
}

/** The parameters of one model's call in a stage: defaults < model overrides < stage (with the request's). */
export function callParams(pipeline: ResolvedPipeline, stage: ResolvedStage, model: string): GenerationParams {
  return { ...pipeline.defaults, ...stage.modelOverrides[model], ...stage.params };
}
