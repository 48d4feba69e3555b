import { LlamaChat, type ChatHistoryItem, type LlamaChatResponseChunk, type LlamaContextSequence, type LlamaGrammar, type TokenBias } from "node-llama-cpp";
import type { FinishReason, ReasoningOptions, Sampling, ToolUse } from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { functionCallingFor } from "./function-calling.js";
import { ReplyChannels, thoughtTagsOf } from "./reply-channels.js";
import { ToolCallStream, type ToolCallPiece } from "./tool-call-stream.js";

interface ChatGenerationOptions {
  history: ChatHistoryItem[];
  sampling: Sampling;
  maxTokens: number;
  grammar: LlamaGrammar | undefined;
  tokenBias: TokenBias | undefined;
  tools: ToolUse | undefined;
  reasoning: ReasoningOptions | undefined;
  signal: AbortSignal;
  onText(text: string): void;
  onReasoning(text: string): void;
  onToolCall(piece: ToolCallPiece): void;
}

interface ChatGenerationResult {
  finishReason: FinishReason;
  /** The request's stop string that ended the reply, if one did. */
  stopSequence: string | undefined;
  completionTokens: number;
  firstTokenAt: number | undefined;
}

const FINISH_BY_STOP_REASON: Record<string, FinishReason> = {
  maxTokens: "length",
  abort: "cancelled",
};

function samplingOptions(sampling: Sampling) {
  const penalize = sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0;
  return {
    temperature: sampling.temperature,
    topP: sampling.topP,
    ...(sampling.topK !== undefined ? { topK: sampling.topK } : {}),
    seed: sampling.seed,
    // OpenAI semantics: no multiplicative repeat penalty, only presence/frequency when asked.
    repeatPenalty: penalize
      ? { penalty: 1, presencePenalty: sampling.presencePenalty, frequencyPenalty: sampling.frequencyPenalty }
      : (false as const),
  };
}

const CONTEXT_FULL = "Failed to compress chat history for context shift";

/**
 * A chat reply through node-llama-cpp's LlamaChat, for what the plain loop cannot do: templates
 * that open segments (thoughts) or decide by the start of the reply, and function calling, where
 * LlamaChat detects the template's call syntax (or is made to open with a call) and generates
 * names and arguments under grammars.
 */
export async function generateChat(served: ServedModel, sequence: LlamaContextSequence, opts: ChatGenerationOptions): Promise<ChatGenerationResult> {
  const { sampling, tools, reasoning } = opts;
  const calling = tools ? functionCallingFor(served.chatWrapper, tools, served.toolParams) : undefined;
  const channels = new ReplyChannels({
    stop: sampling.stop,
    inlineThoughts: reasoning?.inline ? thoughtTagsOf(served.chatWrapper.settings) : undefined,
    onText: opts.onText,
    onReasoning: opts.onReasoning,
  });
  const calls = new ToolCallStream(opts.onToolCall);
  // Stops when a stop string appears, or when the job is cancelled.
  const halt = new AbortController();
  const onCancel = () => halt.abort();
  opts.signal.addEventListener("abort", onCancel, { once: true });
  let firstTokenAt: number | undefined;
  // Every sampled token counts, whether it became text, thought or a function call.
  const outputBefore = sequence.tokenMeter.usedOutputTokens;

  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: calling?.chatWrapper ?? served.chatWrapper });
  let stopReason: string;
  let called = false;
  try {
    const common = {
      ...samplingOptions(sampling),
      ...(opts.tokenBias ? { tokenBias: opts.tokenBias } : {}),
      ...(reasoning?.maxTokens !== undefined ? { budgets: { thoughtTokens: reasoning.maxTokens } } : {}),
      maxTokens: opts.maxTokens,
      signal: halt.signal,
      stopOnAbortSignal: true,
      onResponseChunk: (chunk: LlamaChatResponseChunk) => {
        firstTokenAt ??= performance.now();
        channels.push(chunk);
        if (channels.stopped) halt.abort();
      },
    };
    // Text held back for a stop string leaves before the call it preceded.
    const callStarted = () => {
      firstTokenAt ??= performance.now();
      if (!called) channels.flush();
      called = true;
    };
    // LlamaChat takes either functions or a grammar (the gateway refuses requests with both).
    const res = calling
      ? await chat.generateResponse(opts.history, {
          ...common,
          functions: calling.functions,
          maxParallelFunctionCalls: calling.maxParallelFunctionCalls,
          onFunctionCallParamsChunk: (chunk) => {
            callStarted();
            calls.arguments(chunk.functionName, chunk.paramsChunk);
          },
          onFunctionCall: (call) => {
            callStarted();
            calls.callEnded(call.functionName, call.params);
          },
        })
      : await chat.generateResponse(opts.history, { ...common, ...(opts.grammar ? { grammar: opts.grammar } : {}) });
    stopReason = res.metadata.stopReason;
  } catch (err) {
    // Calls add template text that `maxTokens` does not count, so a reply of many calls can fill
    // the context; LlamaChat then refuses to shift it. The reply ends there, as at any length limit.
    if (!(err instanceof Error && err.message.startsWith(CONTEXT_FULL))) throw err;
    stopReason = "maxTokens";
  } finally {
    opts.signal.removeEventListener("abort", onCancel);
    // Keep the sequence (and its evaluated prefix) for the next job on this slot.
    chat.dispose({ disposeSequence: false });
  }
  channels.flush();
  const finishReason: FinishReason =
    calls.calls > 0 && stopReason === "functionCalls" ? "tool_calls" : channels.stopped ? "stop" : (FINISH_BY_STOP_REASON[stopReason] ?? "stop");
  return { finishReason, stopSequence: channels.stopSequence, completionTokens: sequence.tokenMeter.usedOutputTokens - outputBefore, firstTokenAt };
}
