import { randomInt } from "node:crypto";
import {
  outputFormatOf,
  schemaProblem,
  type ChatCompletionRequest,
  type CompletionRequest,
  type GenerationSpec,
  type InferInput,
  type OutputFormat,
  type ReasoningOptions,
  type Sampling,
} from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";
import { chatTurns } from "./chat-turns.js";
import { chatLogprobsRequest, completionLogprobsRequest } from "./logprobs.js";
import { toolRequestFrom } from "./tool-use.js";

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
const MAX_CHOICES = 16;

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

/** A request as the one job spec every choice runs, with what the edge needs besides. */
export interface JobRequest {
  job: GenerationSpec;
  n: number;
  /** The request field an over-long prompt is reported against. */
  promptParam: "messages" | "prompt";
  /** Functions were offered the legacy way (`functions`): the answer names them so too. */
  legacyFunctions: boolean;
}

/** A chat completion request turned into its job, once; a field the platform cannot honour is a 400 naming it. */
export function chatJob(req: ChatCompletionRequest): JobRequest {
  const { toolUse, legacy } = toolRequestFrom(req);
  const job: GenerationSpec = {
    input: chatInput(req),
    sampling: samplingFrom(req),
    format: formatFrom(req),
    tools: toolUse,
    reasoning: reasoningFrom(req),
    logprobs: chatLogprobsRequest(req, { functionCalling: toolUse !== undefined }),
  };
  return { job, n: choiceCount(req), promptParam: "messages", legacyFunctions: legacy };
}

/** A legacy completion request turned into its job, once. */
export function completionJob(req: CompletionRequest): JobRequest {
  const job: GenerationSpec = {
    input: completionInput(req),
    sampling: samplingFrom(req),
    format: formatFrom(req),
    logprobs: completionLogprobsRequest(req),
  };
  return { job, n: choiceCount(req), promptParam: "prompt", legacyFunctions: false };
}
