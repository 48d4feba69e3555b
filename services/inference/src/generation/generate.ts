import {
  isLlamaText,
  LlamaText,
  type ChatHistoryItem,
  type LlamaContextSequence,
  type LlamaGrammar,
  type Token,
} from "node-llama-cpp";
import type { FinishReason, InferJob, TokenLogprob, TokenUsage } from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { generateChat } from "./chat-generation.js";
import { keepReusablePrefix } from "../slots/prefix-reuse.js";
import { generatePlain, plainStopsFor, type PlainStops } from "./plain-generation.js";
import { renderPrompt } from "./prompt-tokens.js";
import { InvalidParameterError } from "../invalid-parameter-error.js";
import { tokenBiasFor } from "./token-bias.js";
import type { ToolCallPiece } from "./tool-call-stream.js";

export class ContextLengthExceededError extends Error {
  override name = "ContextLengthExceededError";
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(
      `This model's maximum context length is ${contextSize} tokens, but the prompt has ${promptTokens} tokens. ` +
        "Shorten the messages or the prompt.",
    );
  }
}

export interface GenerationCallbacks {
  signal: AbortSignal;
  /** Called once the prompt is known to fit, before any evaluation. */
  onAccepted(promptTokens: number): void;
  /** With the job's `logprobs`: one entry per token of `text`, whose texts join to exactly `text`. */
  onText(text: string, logprobs?: TokenLogprob[]): void;
  /** Text of the model's thoughts, when the template marks them and the job keeps them apart. */
  onReasoning(text: string): void;
  /** A piece of a function call's arguments. */
  onToolCall(piece: ToolCallPiece): void;
}

/** What of a job decides its generation. */
export type GenerationJob = Pick<InferJob, "input" | "sampling" | "format" | "tools" | "reasoning" | "logprobs">;

export interface GenerationResult {
  finishReason: FinishReason;
  /** Which of the job's `stop` strings ended the reply, when one did. */
  stopSequence?: string | undefined;
  usage: TokenUsage;
  promptMs: number;
  generateMs: number;
}

/** A job's prompt as the model will see it, tokenized once, checked to fit the context. */
export interface PreparedGeneration {
  job: GenerationJob;
  /** The chat as the template renders it; absent for a completion. */
  history: ChatHistoryItem[] | undefined;
  tokens: Token[];
  /** Set when the reply can be generated on the plain evaluation loop. */
  plainStops: PlainStops | undefined;
}

/**
 * Tokenizes the job's prompt once: counted against the context, used to pick the slot whose
 * cache holds most of it, and fed to the plain loop when the template needs nothing more than
 * its text and stop triggers. Refuses, before anything runs, a prompt too long for the context
 * and logprobs where the reply cannot report them.
 */
export function prepareGeneration(served: ServedModel, job: GenerationJob): PreparedGeneration {
  const { history, state, tokens } = renderPrompt(served, job.input, job.tools);
  let plainStops: PlainStops | undefined;
  if (state) {
    // Function calling, templates that open segments (reasoning), pick a mode from a prefix or
    // skip start text need LlamaChat's machinery.
    const simple =
      !job.tools &&
      !served.chatWrapper.settings.segments?.thought &&
      !state.prefixTriggers?.length &&
      !state.noPrefixTrigger &&
      !state.ignoreStartText?.length &&
      !state.functionCall;
    plainStops = simple ? plainStopsFor(served.model, state.stopGenerationTriggers) : undefined;
  } else {
    plainStops = { texts: [], tokens: [] };
  }
  if (served.contextSize - tokens.length < 1) throw new ContextLengthExceededError(tokens.length, served.contextSize);
  // LlamaChat reports no probabilities: refused, never answered without them.
  if (job.logprobs && !plainStops) {
    throw new InvalidParameterError(
      "logprobs",
      job.tools
        ? "logprobs cannot be combined with function calling: calls are generated on a path that cannot report token probabilities."
        : `The chat template of '${served.name}' needs a generation path that cannot report token probabilities; logprobs are not available for this model.`,
    );
  }
  return { job, history, tokens, plainStops };
}

/**
 * Texts that end a grammar-constrained reply: node-llama-cpp's JSON grammars end in a run of
 * newlines that only its own generators treat as the end.
 */
function grammarStopTexts(served: ServedModel, grammar: LlamaGrammar | undefined): string[] {
  if (!grammar) return [];
  const triggers = grammar.stopGenerationTriggers.flatMap((t) => (typeof t === "string" ? [LlamaText(t)] : isLlamaText(t) ? [t] : []));
  return plainStopsFor(served.model, triggers)?.texts ?? [];
}

/** A finished generation's figures; the prompt phase ends with the first token (or with the end, when none came). */
function resultOf(
  finishReason: FinishReason,
  promptTokens: number,
  cachedTokens: number,
  completionTokens: number,
  startedAt: number,
  firstTokenAt: number | undefined,
): GenerationResult {
  const endedAt = performance.now();
  const promptEnd = firstTokenAt ?? endedAt;
  return {
    finishReason,
    usage: { promptTokens, completionTokens, cachedTokens },
    promptMs: promptEnd - startedAt,
    generateMs: endedAt - promptEnd,
  };
}

/**
 * Runs one prepared chat or completion on a slot's sequence and streams its text. What the
 * sequence still holds of the prompt from its last job is kept and only the rest evaluated.
 */
export async function generate(
  served: ServedModel,
  sequence: LlamaContextSequence,
  prepared: PreparedGeneration,
  callbacks: GenerationCallbacks,
): Promise<GenerationResult> {
  const { job, tokens, plainStops } = prepared;
  const { sampling, format } = job;
  // Compiled before the job is accepted, so a format the builder refuses is a plain error reply.
  const grammar = format ? await served.grammars.grammarFor(format) : undefined;
  const tokenBias = tokenBiasFor(served.model, sampling.logitBias);
  const promptTokens = tokens.length;
  callbacks.onAccepted(promptTokens);

  const room = served.contextSize - promptTokens;
  const maxTokens = Math.min(sampling.maxTokens ?? room, room);
  const startedAt = performance.now();
  const cachedTokens = await keepReusablePrefix(sequence, tokens);
  if (plainStops) {
    const res = await generatePlain(served.model, sequence, tokens, {
      cachedTokens,
      sampling,
      maxTokens,
      stops: {
        texts: [...sampling.stop, ...plainStops.texts, ...grammarStopTexts(served, grammar)],
        tokens: plainStops.tokens,
      },
      grammar,
      tokenBias,
      logprobs: job.logprobs,
      signal: callbacks.signal,
      onText: callbacks.onText,
    });
    // The template's and the grammar's stop texts end a reply too; only the request's are named.
    const stopSequence = res.stopText !== undefined && sampling.stop.includes(res.stopText) ? res.stopText : undefined;
    return { ...resultOf(res.stopReason, promptTokens, cachedTokens, res.completionTokens, startedAt, res.firstTokenAt), stopSequence };
  }
  // A chat the plain loop cannot run (function calling, thought segments, templates that decide
  // by the reply's start). LlamaChat keeps the same prefix the cache was trimmed to above.
  const res = await generateChat(served, sequence, {
    // Completions always run on the plain loop, so this is a chat.
    history: prepared.history!,
    sampling,
    maxTokens,
    grammar,
    tokenBias,
    tools: job.tools,
    reasoning: job.reasoning,
    signal: callbacks.signal,
    onText: callbacks.onText,
    onReasoning: callbacks.onReasoning,
    onToolCall: callbacks.onToolCall,
  });
  return { ...resultOf(res.finishReason, promptTokens, cachedTokens, res.completionTokens, startedAt, res.firstTokenAt), stopSequence: res.stopSequence };
}
