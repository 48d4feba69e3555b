import {
  LlamaChat,
  LlamaCompletion,
  LlamaText,
  SpecialToken,
  type ChatHistoryItem,
  type LlamaContextSequence,
} from "node-llama-cpp";
import type { ChatTurn, FinishReason, InferInput, Sampling, TokenUsage } from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { StopSequenceMatcher } from "./stop-sequences.js";

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
  onText(text: string): void;
}

export interface GenerationResult {
  finishReason: FinishReason;
  usage: TokenUsage;
  promptMs: number;
  generateMs: number;
}

function toChatHistory(messages: ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === "assistant" ? { type: "model", response: [m.content] } : { type: m.role, text: m.content },
  );
  // The reply is generated as a new model turn after the last message.
  history.push({ type: "model", response: [] });
  return history;
}

function countPromptTokens(served: ServedModel, input: InferInput, history: ChatHistoryItem[] | undefined): number {
  const tokenizer = served.model.tokenizer;
  if (history) {
    return served.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(tokenizer).length;
  }
  const prompt = input.kind === "completion" ? input.prompt : "";
  const text = served.model.tokens.bos != null ? LlamaText([new SpecialToken("BOS"), prompt]) : LlamaText(prompt);
  return text.tokenize(tokenizer).length;
}

function samplingOptions(sampling: Sampling) {
  const penalize = sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0;
  return {
    temperature: sampling.temperature,
    topP: sampling.topP,
    seed: sampling.seed,
    // OpenAI semantics: no multiplicative repeat penalty, only presence/frequency when asked.
    repeatPenalty: penalize
      ? { penalty: 1, presencePenalty: sampling.presencePenalty, frequencyPenalty: sampling.frequencyPenalty }
      : (false as const),
  };
}

const FINISH_BY_STOP_REASON: Record<string, FinishReason> = {
  maxTokens: "length",
  abort: "cancelled",
};

/**
 * Runs one chat or completion on a sequence of the model's context and streams its text.
 * The prompt is counted first so that one too long for the context is refused, not truncated.
 */
export async function generate(
  served: ServedModel,
  sequence: LlamaContextSequence,
  input: InferInput,
  sampling: Sampling,
  callbacks: GenerationCallbacks,
): Promise<GenerationResult> {
  const history = input.kind === "chat" ? toChatHistory(input.messages) : undefined;
  const promptTokens = countPromptTokens(served, input, history);
  const room = served.contextSize - promptTokens;
  if (room < 1) throw new ContextLengthExceededError(promptTokens, served.contextSize);
  callbacks.onAccepted(promptTokens);

  const maxTokens = Math.min(sampling.maxTokens ?? room, room);
  const stops = new StopSequenceMatcher(sampling.stop);
  // Stops when a stop string appears, or when the job is cancelled.
  const halt = new AbortController();
  const onCancel = () => halt.abort();
  callbacks.signal.addEventListener("abort", onCancel, { once: true });
  let completionTokens = 0;
  let firstTokenAt: number | undefined;
  const startedAt = performance.now();
  const common = {
    ...samplingOptions(sampling),
    maxTokens,
    signal: halt.signal,
    stopOnAbortSignal: true,
    onToken: (tokens: readonly unknown[]) => {
      firstTokenAt ??= performance.now();
      completionTokens += tokens.length;
    },
    onTextChunk: (text: string) => {
      const visible = stops.push(text);
      if (visible) callbacks.onText(visible);
      if (stops.stopped) halt.abort();
    },
  };

  let stopReason: string;
  if (history) {
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: served.chatWrapper });
    try {
      const res = await chat.generateResponse(history, common);
      stopReason = res.metadata.stopReason;
    } finally {
      // Keep the sequence (and its evaluated prefix) for the next job on this slot.
      chat.dispose({ disposeSequence: false });
    }
  } else {
    const completion = new LlamaCompletion({ contextSequence: sequence });
    try {
      const res = await completion.generateCompletionWithMeta(input.kind === "completion" ? input.prompt : "", common);
      stopReason = res.metadata.stopReason;
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }
  callbacks.signal.removeEventListener("abort", onCancel);
  const rest = stops.flush();
  if (rest) callbacks.onText(rest);
  const endedAt = performance.now();
  const promptEnd = firstTokenAt ?? endedAt;
  return {
    finishReason: stops.stopped ? "stop" : (FINISH_BY_STOP_REASON[stopReason] ?? "stop"),
    usage: { promptTokens, completionTokens },
    promptMs: promptEnd - startedAt,
    generateMs: endedAt - promptEnd,
  };
}
