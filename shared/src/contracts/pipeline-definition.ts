import { z } from "zod";
import { GenerationParams } from "./pipelines.js";

/** Names of models and stages: they appear in events, URLs and logs, so plain words only. */
export const DefinitionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "use letters, digits, '.', '_' and '-' (at most 64)");

/** The reserved `input_from` name for the run's own input. */
export const RUN_INPUT = "input";

/** `models.yaml`: the models pipelines may name, by the name workers serve them under. */
export const ModelsFile = z
  .object({
    /** Where the model files are, relative to this file; absent: MODELS_DIR. */
    models_directory: z.string().min(1).optional(),
    /** Generation parameters of every stage, unless a model or the stage says otherwise. */
    defaults: GenerationParams.optional(),
    models: z
      .record(
        DefinitionName,
        z
          .object({
            file: z.string().min(1),
            /** Informational (the file says what it is). */
            quantization: z.string().optional(),
            /** Checked before every run: the base pipelines cannot run without it. */
            required_for_base: z.boolean().default(false),
            /** Generation parameters of this model's calls, over the defaults and under the stage's. */
            overrides: GenerationParams.optional(),
            description: z.string().optional(),
          })
          .strict(),
      )
      .refine((models) => Object.keys(models).length > 0, "name at least one model"),
  })
  .strict();
export type ModelsFile = z.infer<typeof ModelsFile>;

export const Aggregation = z.preprocess(
  // `aggregation: concat` is short for `aggregation: { method: concat }`.
  (v) => (typeof v === "string" ? { method: v } : v),
  z.discriminatedUnion("method", [
    z.object({ method: z.literal("concat"), separator: z.string().default("\n\n") }).strict(),
    z
      .object({
        method: z.literal("vote"),
        /** The answers a model may give: its output is constrained to exactly one of them. */
        choices: z.array(z.string().min(1)).min(2).refine((c) => new Set(c).size === c.length, "choices must differ"),
        /** A tie goes to the tied choice named by the model listed first in `models`. */
        tie_break: z.literal("first_listed").default("first_listed"),
      })
      .strict(),
    z
      .object({
        method: z.literal("synthesis"),
        /** The model that writes one answer from the candidates. */
        model: DefinitionName,
        /** `{input}` is the stage's input, `{candidates}` the numbered answers. */
        prompt: z.string().default("{input}\n\nAnswers:\n{candidates}\n\nOne answer combining the best of them:"),
      })
      .strict(),
    z
      .object({
        method: z.literal("template"),
        /** `{input}`, `{candidates}`, `{answers.<model>}`, `{answers.<n>}` (1-based). */
        template: z.string().min(1),
      })
      .strict(),
  ]),
);
export type Aggregation = z.output<typeof Aggregation>;

export const StageDefinition = z
  .object({
    name: DefinitionName,
    type: z.enum(["single", "multi"]),
    description: z.string().optional(),
    model: DefinitionName.optional(),
    models: z.array(DefinitionName).min(1).optional(),
    aggregation: Aggregation.optional(),
    /** The stages whose outputs form this one's input, joined by blank lines; `input`: the run's input. Absent: the stage before (the first: the run's input). */
    input_from: z.union([DefinitionName, z.array(DefinitionName).min(1)]).optional(),
    /** `input_plus_answer`: the stage passes on its input followed by its answer. */
    output_mode: z.enum(["answer_only", "input_plus_answer"]).default("answer_only"),
    /** What the models are asked; `{input}` is the stage's input. */
    prompt: z.string().default("{input}"),
    system: z.string().optional(),
    ...GenerationParams.shape,
  })
  .strict()
  .superRefine((stage, ctx) => {
    if (stage.type === "single") {
      if (!stage.model) ctx.addIssue({ code: "custom", path: ["model"], message: "a single stage names its 'model'" });
      if (stage.models) ctx.addIssue({ code: "custom", path: ["models"], message: "a single stage names one 'model', not 'models'" });
      if (stage.aggregation) ctx.addIssue({ code: "custom", path: ["aggregation"], message: "only a multi stage aggregates answers" });
    } else {
      if (!stage.models) ctx.addIssue({ code: "custom", path: ["models"], message: "a multi stage names its 'models'" });
      else if (new Set(stage.models).size !== stage.models.length) ctx.addIssue({ code: "custom", path: ["models"], message: "each model answers once: names must differ" });
      if (stage.model) ctx.addIssue({ code: "custom", path: ["model"], message: "a multi stage names 'models', not 'model'" });
      if (!stage.aggregation) ctx.addIssue({ code: "custom", path: ["aggregation"], message: "a multi stage needs an 'aggregation': concat, vote, synthesis or template" });
    }
    const constrained = stage.grammar !== undefined ? "grammar" : stage.response_format !== undefined ? "response_format" : undefined;
    if (constrained && stage.aggregation?.method === "vote") {
      ctx.addIssue({ code: "custom", path: [constrained], message: "a vote stage's answers follow the vote's own grammar (one of its choices)" });
    }
    if (stage.grammar !== undefined && stage.response_format !== undefined) {
      ctx.addIssue({ code: "custom", path: ["grammar"], message: "give either 'grammar' or 'response_format', not both" });
    }
  });

/** One pipeline file: the pipeline's name is the file's name. */
export const PipelineFile = z
  .object({
    description: z.string().optional(),
    base_pipeline: z.object({ stages: z.array(StageDefinition).min(1) }).strict(),
  })
  .strict();
export type PipelineFile = z.output<typeof PipelineFile>;
/** A definition as written (defaults not yet filled in): what the web app builds. */
export type PipelineFileInput = z.input<typeof PipelineFile>;
export type StageDefinition = z.output<typeof StageDefinition>;

