import {
  callModelsOf,
  fieldName,
  inputsOf,
  pipelineIssues,
  stageOrder,
  type Aggregation,
  type GenerationParams,
  type ModelsFile,
  type PipelineFile,
  type StageDefinition,
} from "@lantern/shared/contracts";
import { DefinitionError, type ProblemSource } from "./source-file.js";

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
  source: ProblemSource;
  models: ModelsFile;
  modelsSource: { label: string };
  modelsDirectory: string;
}

/**
 * Checks what the schema cannot (see pipelineIssues), each problem at its file and line, and
 * merges the generation parameters.
 */
export function resolvePipeline(ctx: ResolveContext): ResolvedPipeline {
  const { pipeline, source, models } = ctx;
  const defs = pipeline.base_pipeline.stages;
  const issues = pipelineIssues(pipeline, { names: Object.keys(models.models), label: ctx.modelsSource.label });
  if (issues.length > 0) {
    throw new DefinitionError(
      issues.map((issue) => source.problem(issue.path, issue.message)),
      issues.map((issue) => fieldName(issue.path)),
    );
  }

  const stages: ResolvedStage[] = defs.map((def, i) => ({
    index: i,
    name: def.name,
    kind: def.type,
    models: def.type === "single" ? [def.model!] : def.models!,
    aggregation: def.aggregation ?? null,
    inputFrom: inputsOf(defs, i),
    outputMode: def.output_mode,
    prompt: def.prompt,
    system: def.system ?? null,
    params: stageParams(def),
    modelOverrides: Object.fromEntries(callModelsOf(def).map((m) => [m, models.models[m]?.overrides ?? {}])),
  }));
  const needed = new Set<string>(stages.flatMap((s) => Object.keys(s.modelOverrides)));
  for (const [name, model] of Object.entries(models.models)) if (model.required_for_base) needed.add(name);
  return {
    name: ctx.name,
    description: pipeline.description ?? null,
    stages,
    order: stageOrder(defs).order,
    defaults: models.defaults ?? {},
    models: Object.fromEntries([...needed].map((m) => [m, { file: models.models[m]!.file }])),
    modelsDirectory: ctx.modelsDirectory,
  };
}

function stageParams(def: StageDefinition): GenerationParams {
  const keys = ["max_tokens", "temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty", "response_format", "grammar"] as const;
  const params: GenerationParams = {};
  for (const key of keys) if (def[key] !== undefined) (params as Record<string, unknown>)[key] = def[key];
  return params;
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
