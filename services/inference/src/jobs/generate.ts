import {
  isLlamaText,
  LlamaChat,
  LlamaCompletion,
  LlamaText,
  SpecialToken,
  type ChatHistoryItem,
  type LlamaContextSequence,
  type LlamaGrammar,
  type Token,
} from "node-llama-cpp";
import type {
  ChatTurn,
  FinishReason,
  InferInput,
  LogprobsRequest,
  OutputFormat,
  Sampling,
  TokenLogprob,
  TokenUsage,
} from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { generatePlain, plainStopsFor, type PlainStops } from "./plain-generation.js";
import { InvalidParameterError, tokenBiasFor } from "./token-bias.js";
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
  /** Token probabilities to send along with the text, when the job asked for them. */
  logprobs?: LogprobsRequest | undefined;
  /** Called once the prompt is known to fit, before any evaluation. */
  onAccepted(promptTokens: number): void;
  onText(text: string, logprobs?: TokenLogprob[]): void;
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

interface PreparedPrompt {
  tokens: Token[];
  /** Set when the reply can be generated on the plain evaluation loop. */
  plainStops: PlainStops | undefined;
}

/**
 * The prompt as the model will see it, tokenized once: counted against the context, and fed to
 * the plain loop when the template needs nothing more than its text and stop triggers.
 */
function preparePrompt(served: ServedModel, input: InferInput, history: ChatHistoryItem[] | undefined): PreparedPrompt {
  const { model } = served;
  if (history) {
    const state = served.chatWrapper.generateContextState({ chatHistory: history });
    const tokens = state.contextText.tokenize(model.tokenizer);
    // Templates that open segments (reasoning), pick a mode from a prefix or skip start text
    // need LlamaChat's machinery.
    const simple =
      !served.chatWrapper.settings.segments?.thought &&
      !state.prefixTriggers?.length &&
      !state.noPrefixTrigger &&
      !state.ignoreStartText?.length &&
      !state.functionCall;
    return { tokens, plainStops: simple ? plainStopsFor(model, state.stopGenerationTriggers) : undefined };
  }
  const prompt = input.kind === "completion" ? input.prompt : "";
  const text = model.tokens.bos != null ? LlamaText([new SpecialToken("BOS"), prompt]) : LlamaText(prompt);
  return { tokens: text.tokenize(model.tokenizer), plainStops: { texts: [], tokens: [] } };
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

/**
 * Texts that end a grammar-constrained reply: node-llama-cpp's JSON grammars end in a run of
 * newlines that only its own generators treat as the end.
 */
function grammarStopTexts(served: ServedModel, grammar: LlamaGrammar | undefined): string[] {
  if (!grammar) return [];
  const triggers = grammar.stopGenerationTriggers.flatMap((t) => (typeof t === "string" ? [LlamaText(t)] : isLlamaText(t) ? [t] : []));
  return plainStopsFor(served.model, triggers)?.texts ?? [];
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
  format: OutputFormat | undefined,
  callbacks: GenerationCallbacks,
): Promise<GenerationResult> {
  const history = input.kind === "chat" ? toChatHistory(input.messages) : undefined;
  const prompt = preparePrompt(served, input, history);
  const promptTokens = prompt.tokens.length;
  const room = served.contextSize - promptTokens;
  if (room < 1) throw new ContextLengthExceededError(promptTokens, served.contextSize);
  // LlamaChat reports no probabilities: refused, never answered without them.
  if (callbacks.logprobs && !prompt.plainStops) {
    throw new InvalidParameterError(
      "logprobs",
      `The chat template of '${served.name}' needs a generation path that cannot report token probabilities; logprobs are not available for this model.`,
    );
  }
  // Compiled before the job is accepted, so a format the builder refuses is a plain error reply.
  const grammar = format ? await served.grammars.grammarFor(format) : undefined;
  const tokenBias = tokenBiasFor(served.model, sampling.logitBias);
  callbacks.onAccepted(promptTokens);

  const maxTokens = Math.min(sampling.maxTokens ?? room, room);
  if (prompt.plainStops) {
    const startedAt = performance.now();
    const res = await generatePlain(served.model, sequence, prompt.tokens, {
      sampling,
      maxTokens,
      stops: {
        texts: [...sampling.stop, ...prompt.plainStops.texts, ...grammarStopTexts(served, grammar)],
        tokens: prompt.plainStops.tokens,
      },
      grammar,
      tokenBias,
      logprobs: callbacks.logprobs,
      signal: callbacks.signal,
      onText: callbacks.onText,
    });
    const endedAt = performance.now();
    const promptEnd = res.firstTokenAt ?? endedAt;
    return {
      finishReason: res.stopReason,
      usage: { promptTokens, completionTokens: res.completionTokens },
      promptMs: promptEnd - startedAt,
      generateMs: endedAt - promptEnd,
    };
  }
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
    ...(grammar ? { grammar } : {}),
    ...(tokenBias ? { tokenBias } : {}),
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
