import { randomInt } from "node:crypto";
import {
  outputFormatOf,
  schemaProblem,
  type ChatCompletionRequest,
  type CompletionRequest,
  type InferInput,
  type OutputFormat,
  type ReasoningOptions,
  type Sampling,
} from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";
import { chatTurns } from "./chat-turns.js";

type GenerationRequest = ChatCompletionRequest | CompletionRequest;

/** Fields the API knows but the platform cannot honour yet: refused, never silently ignored. */
function rejectUnsupported(req: GenerationRequest): void {
  if (!("messages" in req)) {
    if (req.echo) throw unsupportedParameter("echo");
    if (req.suffix) throw unsupportedParameter("suffix");
    // Ranking several candidates by likelihood is not done: best_of may only restate n.
    if (req.best_of != null && req.best_of !== (req.n ?? 1)) throw unsupportedParameter("best_of", "must equal n: picking the best of several candidates is not supported");
  }
}

export function chatInput(req: ChatCompletionRequest): InferInput {
  rejectUnsupported(req);
  return { kind: "chat", messages: chatTurns(req.messages) };
}

export function completionInput(req: CompletionRequest): InferInput {
  rejectUnsupported(req);
  const { prompt } = req;
  if (typeof prompt === "string") return { kind: "completion", prompt };
  if (prompt.length === 1 && typeof prompt[0] === "string") return { kind: "completion", prompt: prompt[0] };
  if (prompt.length > 0 && typeof prompt[0] !== "string") throw unsupportedParameter("prompt", "as token arrays is not supported");
  throw unsupportedParameter("prompt", "must be one string: batches of prompts are not supported");
}

/** Choices per request: each is a job of its own, so this bounds what one request puts on the queue. */
export const MAX_CHOICES = 16;

export function choiceCount(req: GenerationRequest): number {
  const n = req.n ?? 1;
  if (n > MAX_CHOICES) throw invalidRequest(`'n' must be at most ${MAX_CHOICES}, got ${n}.`, "n", "invalid_value");
  return n;
}

/** The OpenAI legacy completions endpoint stops at 16 tokens unless told otherwise. */
const LEGACY_COMPLETION_MAX_TOKENS = 16;

export function samplingFrom(req: GenerationRequest): Sampling {
  const maxTokens =
    ("max_completion_tokens" in req ? req.max_completion_tokens : undefined) ??
    req.max_tokens ??
    ("prompt" in req ? LEGACY_COMPLETION_MAX_TOKENS : undefined);
  const stop = req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop;
  return {
    maxTokens,
    temperature: req.temperature ?? 1,
    // top_p 0 asks for the single most likely token; the sampler needs a positive mass.
    topP: Math.max(req.top_p ?? 1, 1e-6),
    // A seed is always fixed here so a job redelivered to another worker reproduces its text.
    seed: req.seed != null ? Number(BigInt.asUintN(32, BigInt(req.seed))) : randomInt(0, 2 ** 32 - 1),
    presencePenalty: req.presence_penalty ?? 0,
    frequencyPenalty: req.frequency_penalty ?? 0,
    stop,
    ...(req.logit_bias && Object.keys(req.logit_bias).length > 0 ? { logitBias: req.logit_bias } : {}),
  };
}

const SCHEMA_PARAM = "response_format.json_schema.schema";

/** The grammar constraint `response_format` or `grammar` asks for; none for free text. */
export function formatFrom(req: GenerationRequest): OutputFormat | undefined {
  const format = req.response_format;
  if (req.grammar && format && format.type !== "text") throw invalidRequest("Give either 'grammar' or 'response_format', not both.", "grammar");
  if (format?.type === "json_schema") {
    const problem = schemaProblem(format.json_schema.schema);
    if (problem) throw invalidRequest(problem, SCHEMA_PARAM, "unsupported_schema");
  }
  return outputFormatOf(req);
}

/** What to do with a reasoning model's thoughts; absent: the defaults (apart, no budget). */
export function reasoningFrom(req: ChatCompletionRequest): ReasoningOptions | undefined {
  if (req.reasoning_format == null && req.reasoning_budget == null) return undefined;
  return {
    inline: req.reasoning_format === "none",
    ...(req.reasoning_budget != null ? { maxTokens: req.reasoning_budget } : {}),
  };
}
