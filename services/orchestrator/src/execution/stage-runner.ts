import { renderTemplate, RUN_INPUT, type StageAnswer } from "@lantern/shared/contracts";
import { callParams, type ResolvedPipeline, type ResolvedStage } from "../definitions/resolved-pipeline.js";
import type { StageResult } from "../runs/run-store.js";
import { choiceOf, combine, countVotes, formatCandidates, voteSchema } from "./aggregation.js";
import { StageCallError, type ModelCaller } from "./model-caller.js";
import type { CallAccount } from "./model-usage.js";

interface StageRequest {
  pipeline: ResolvedPipeline;
  stage: ResolvedStage;
  /** The stage's input: its sources' outputs joined. */
  input: string;
  prompt: string;
  /** Unique per stage attempt: each model call's request id starts with it. */
  callPrefix: string;
  signal: AbortSignal;
  account: CallAccount;
  /** Given for the stage whose final answer streams: its text as it is generated. */
  onText?: (text: string) => void;
  /** Every model's answer as it is generated, by model. */
  onAnswerText?: (model: string, role: StageAnswer["role"], text: string) => void;
}

/** Runs one stage: its models answer in parallel (each an inference job), then their answers are combined. */
export class StageRunner {
  constructor(private readonly caller: ModelCaller) {}

  async run(req: StageRequest): Promise<StageResult> {
    const { stage, pipeline } = req;
    const aggregation = stage.aggregation;
    const vote = aggregation?.method === "vote" ? aggregation : undefined;
    // The final answer of a single stage or a synthesis is one model's text: that is what streams.
    const streamsCandidate = stage.kind === "single";
    const textOf = (model: string, role: StageAnswer["role"], final: boolean) => {
      const { onText, onAnswerText } = req;
      if (!onAnswerText && !(final && onText)) return {};
      return {
        onText: (text: string) => {
          onAnswerText?.(model, role, text);
          if (final) onText?.(text);
        },
      };
    };
    const answers = await Promise.all(
      stage.models.map((model, i) =>
        this.caller.answer({
          requestId: `${req.callPrefix}m${i}`,
          model,
          role: "candidate",
          system: stage.system,
          prompt: req.prompt,
          params: callParams(pipeline, stage, model),
          ...(vote ? { format: { type: "json_schema" as const, schema: voteSchema(vote.choices) } } : {}),
          signal: req.signal,
          account: req.account,
          ...textOf(model, "candidate", streamsCandidate),
        }),
      ),
    );
    if (!aggregation) return this.finish(stage, req.input, answers, answers[0]!.text.trim(), null);

    switch (aggregation.method) {
      case "vote": {
        const voted = answers.map((a) => ({ ...a, choice: choiceOf(a.text, aggregation.choices) }));
        const result = countVotes(voted, aggregation.choices);
        if (!result) throw new StageCallError(`no model named one of the choices (${aggregation.choices.join(", ")}): give the stage more max_tokens`);
        return this.finish(stage, req.input, voted, result.winner, result.votes);
      }
      case "synthesis": {
        const prompt = renderTemplate(aggregation.prompt, { input: req.input, candidates: formatCandidates(answers) });
        const synthesis = await this.caller.answer({
          requestId: `${req.callPrefix}syn`,
          model: aggregation.model,
          role: "synthesis",
          system: stage.system,
          prompt,
          params: callParams(pipeline, stage, aggregation.model),
          signal: req.signal,
          account: req.account,
          ...textOf(aggregation.model, "synthesis", true),
        });
        return this.finish(stage, req.input, [...answers, synthesis], synthesis.text.trim(), null);
      }
      default:
        return this.finish(stage, req.input, answers, combine(aggregation, req.input, answers), null);
    }
  }

  private finish(stage: ResolvedStage, input: string, answers: StageAnswer[], answer: string, votes: Record<string, number> | null): StageResult {
    const output = stage.outputMode === "input_plus_answer" ? `${input}\n\n${answer}` : answer;
    return { answers, output, votes };
  }
}

/** A stage's input: the run's input or its source stages' outputs, in the order `input_from` lists them. */
export function stageInput(stage: ResolvedStage, runInput: string, outputs: ReadonlyMap<string, string>): string {
  return stage.inputFrom.map((from) => (from === RUN_INPUT ? runInput : outputs.get(from) ?? "")).join("\n\n");
}

export function stagePrompt(stage: ResolvedStage, input: string): string {
  return renderTemplate(stage.prompt, { input });
}
