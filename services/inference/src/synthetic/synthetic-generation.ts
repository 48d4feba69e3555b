import type { FinishReason, InferInput, InferJob, TokenUsage } from "@lantern/shared/contracts";

interface SyntheticGenerationOptions {
  tokensPerSecond: number;
  signal: AbortSignal;
  onAccepted(promptTokens: number): void;
  onText(text: string): void;
}

interface SyntheticGenerationResult {
  finishReason: FinishReason;
  usage: TokenUsage;
  generateMs: number;
}

/** Tokens a synthetic reply has when the request sets no max_tokens. */
const DEFAULT_TOKENS = 256;
const WORDS = ["the", "lantern", "glows", "while", "a", "small", "fox", "counts", "tokens", "in", "steady", "time"];

/** The prompt tokens a synthetic reply reports: one per word of the prompt. */
export const promptWords = (input: InferInput): number => {
  const text =
    input.kind === "chat"
      ? input.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join(" ")
      : input.kind === "completion"
        ? input.prompt
        : "";
  return text.split(/\s+/).filter(Boolean).length;
};

/**
 * A reply of one word per token at a fixed rate, on timers: no CPU spent on a model, so what a
 * benchmark measures on it is the platform's own plumbing (queue, dispatch, replies, gateway).
 * Each token is due at start + n / rate, so timer lateness does not accumulate.
 */
export async function generateSynthetic(job: InferJob, opts: SyntheticGenerationOptions): Promise<SyntheticGenerationResult> {
  const promptTokens = promptWords(job.input);
  opts.onAccepted(promptTokens);
  const maxTokens = job.sampling.maxTokens ?? DEFAULT_TOKENS;
  const interval = 1_000 / opts.tokensPerSecond;
  const startedAt = performance.now();
  let produced = 0;
  let finishReason: FinishReason = "length";
  while (produced < maxTokens) {
    const wait = startedAt + (produced + 1) * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (opts.signal.aborted) {
      finishReason = "cancelled";
      break;
    }
    opts.onText(`${produced === 0 ? "" : " "}${WORDS[produced % WORDS.length]}`);
    produced += 1;
  }
  return { finishReason, usage: { promptTokens, completionTokens: produced }, generateMs: performance.now() - startedAt };
}
