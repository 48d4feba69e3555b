import {
  LlamaGrammarEvaluationState,
  SpecialTokensText,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type LlamaText,
  type Token,
  type TokenBias,
} from "node-llama-cpp";
import type { LogprobsRequest, Sampling, TokenLogprob } from "@lantern/shared/contracts";
import { LogprobAligner, type AlignedText } from "./logprob-aligner.js";
import { StopSequenceMatcher } from "./stop-sequences.js";
import { tokenLogprob, type SampledTokenMetadata } from "./token-logprobs.js";

/** How a plain generation ends, besides running out of tokens. */
export interface PlainStops {
  /** Texts that end the reply and are not part of it (the request's `stop`, the template's turn end). */
  texts: string[];
  /** Tokens that end the reply besides the model's end-of-generation tokens. */
  tokens: Token[];
}

interface PlainGenerationOptions {
  /** Leading prompt tokens the sequence already holds: only the rest is evaluated. */
  cachedTokens?: number;
  sampling: Sampling;
  maxTokens: number;
  stops: PlainStops;
  /** Constrains sampling to the texts the grammar accepts; when it is complete only the end token is left. */
  grammar?: LlamaGrammar | undefined;
  /** OpenAI `logit_bias`, already checked against the vocabulary. */
  tokenBias?: TokenBias | undefined;
  /** Token probabilities to report with the text; absent keeps the loop on bare tokens (faster). */
  logprobs?: LogprobsRequest | undefined;
  signal: AbortSignal;
  /** With `logprobs`: one entry per token of `text`, whose texts join to exactly `text`. */
  onText(text: string, logprobs?: TokenLogprob[]): void;
}

interface PlainGenerationResult {
  stopReason: "stop" | "length" | "cancelled";
  /** The text of `stops.texts` that ended the reply, if one did. */
  stopText?: string | undefined;
  completionTokens: number;
  firstTokenAt: number | undefined;
}

// Presence and frequency penalties look at this many of the latest generated tokens.
const PENALTY_WINDOW = 64;
// A character split over tokens spans at most this many of them (UTF-8 is at most 4 bytes).
const MAX_PARTIAL_TOKENS = 4;
const REPLACEMENT_CHAR = "\uFFFD";

/**
 * The template's stop triggers as texts and single tokens, or undefined when one of them is
 * neither (such templates go through node-llama-cpp's LlamaChat instead).
 */
export function plainStopsFor(model: LlamaModel, triggers: readonly LlamaText[]): PlainStops | undefined {
  const stops: PlainStops = { texts: [], tokens: [] };
  for (const trigger of triggers) {
    const tokens = trigger.tokenize(model.tokenizer);
    if (tokens.length === 0) continue; // a special token this vocabulary lacks is never generated
    if (tokens.length === 1 && model.isSpecialToken(tokens[0])) {
      stops.tokens.push(tokens[0]!);
      continue;
    }
    // Special-token text the vocabulary has no token for is generated as plain text.
    const texts = trigger.values.map((v) => (typeof v === "string" ? v : v instanceof SpecialTokensText ? v.value : undefined));
    if (texts.some((t) => t === undefined)) return undefined;
    const text = texts.join("");
    if (text) stops.texts.push(text);
  }
  return stops;
}

/**
 * Generates on the sequence's own evaluation loop: the prompt's tokens in, sampled tokens out,
 * decoded to text as they come. It does per token only what a reply needs (decode, stop checks),
 * which is measurably faster than node-llama-cpp's general-purpose LlamaCompletion/LlamaChat.
 */
export async function generatePlain(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  promptTokens: Token[],
  opts: PlainGenerationOptions,
): Promise<PlainGenerationResult> {
  const { sampling, maxTokens, signal } = opts;
  const matcher = new StopSequenceMatcher(opts.stops.texts);
  const stopTokens = new Set(opts.stops.tokens);
  const generated: Token[] = [];
  // Tokens whose text is an incomplete character until the next one arrives.
  const partial: Token[] = [];
  const logprobs = opts.logprobs;
  const aligner = logprobs ? new LogprobAligner() : undefined;
  // The log probabilities of the tokens in `partial`, their text to come.
  const partialLogprobs: Array<Omit<TokenLogprob, "token">> = [];
  const penalize = sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0;
  let firstTokenAt: number | undefined;
  let stopReason: PlainGenerationResult["stopReason"] = "stop";

  const release = (aligned: AlignedText) => {
    if (aligned.logprobs.length > 0) opts.onText(aligned.text, aligned.logprobs);
  };
  const emit = (text: string) => {
    const visible = matcher.push(text);
    if (!aligner) {
      if (visible) opts.onText(visible);
      return;
    }
    // The text of the tokens just decoded goes on the last of them (see TokenLogprob).
    aligner.add(partialLogprobs.map((entry, i) => ({ ...entry, token: i === partialLogprobs.length - 1 ? text : "" })));
    partialLogprobs.length = 0;
    release(aligner.take(visible));
  };

  if (maxTokens <= 0) return { stopReason: "length", completionTokens: 0, firstTokenAt };
  const evaluateOptions = {
    temperature: sampling.temperature,
    topP: sampling.topP,
    ...(sampling.topK !== undefined ? { topK: sampling.topK } : {}),
    seed: sampling.seed,
    // A new state per reply: it tracks how far into the grammar this reply has come.
    grammarEvaluationState: opts.grammar ? new LlamaGrammarEvaluationState({ model, grammar: opts.grammar }) : undefined,
    tokenBias: opts.tokenBias,
    repeatPenalty: penalize
      ? {
          punishTokens: () => generated.slice(-PENALTY_WINDOW),
          maxPunishTokens: PENALTY_WINDOW,
          penalty: 1,
          presencePenalty: sampling.presencePenalty,
          frequencyPenalty: sampling.frequencyPenalty,
        }
      : undefined,
  };
  /** Takes one sampled token; true when generation ends here. */
  const step = (token: Token, sampled?: SampledTokenMetadata): boolean => {
    firstTokenAt ??= performance.now();
    if (stopTokens.has(token)) return true;
    if (logprobs && sampled) {
      partialLogprobs.push(tokenLogprob(model, sampled, logprobs.top, generated.length > 0 ? generated.slice(-4) : promptTokens.slice(-4)));
    }
    generated.push(token);
    partial.push(token);
    // Decoding with the tokens before it keeps the leading space SentencePiece vocabularies put in.
    const before = generated.length > partial.length ? generated.slice(-partial.length - 4, -partial.length) : promptTokens.slice(-4);
    const text = model.detokenize(partial, false, before);
    if (!text.endsWith(REPLACEMENT_CHAR) || partial.length >= MAX_PARTIAL_TOKENS) {
      partial.length = 0;
      emit(text);
    }
    if (matcher.stopped) return true;
    if (signal.aborted) {
      stopReason = "cancelled";
      return true;
    }
    if (generated.length >= maxTokens) {
      stopReason = "length";
      return true;
    }
    return false;
  };
  if (logprobs) {
    // Probabilities of the whole vocabulary cross into JS per token: only when alternatives are asked for.
    const metadata = { confidence: true, probabilities: logprobs.top > 0 } as const;
    for await (const sampled of sequence.evaluateWithMetadata(promptTokens.slice(opts.cachedTokens ?? 0), metadata, evaluateOptions)) {
      if (step(sampled.token, sampled)) break;
    }
  } else {
    for await (const token of sequence.evaluate(promptTokens.slice(opts.cachedTokens ?? 0), evaluateOptions)) {
      if (step(token)) break;
    }
  }
  if (partial.length > 0 && !matcher.stopped) emit(model.detokenize(partial, false, generated.slice(-partial.length - 4, -partial.length)));
  const rest = matcher.flush();
  if (aligner) {
    release(aligner.take(rest));
    release(aligner.finish());
  } else if (rest) {
    opts.onText(rest);
  }
  return { stopReason, stopText: matcher.matched, completionTokens: generated.length, firstTokenAt };
}
