import { getLlama, LlamaCompletion, LlamaLogLevel } from "node-llama-cpp";

export interface BareRunOptions {
  modelPath: string;
  threads: number;
  concurrency: number;
  tokens: number;
  rounds: number;
  prompt: string;
  seed: number;
  /** Stop a round early after this long (slow thread settings in a sweep). */
  roundLimitMs?: number;
}

/** The same generation on node-llama-cpp in this process: one context, a sequence per stream. */
export async function runBare(opts: BareRunOptions) {
  const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: opts.modelPath });
  const context = await model.createContext({ sequences: opts.concurrency, threads: opts.threads });
  const completions = Array.from({ length: opts.concurrency }, () => new LlamaCompletion({ contextSequence: context.getSequence() }));
  const rounds: Array<{ wallMs: number; tokens: number; ttfts: number[] }> = [];
  try {
    for (let r = 0; r < opts.rounds; r++) {
      const signal = opts.roundLimitMs ? AbortSignal.timeout(opts.roundLimitMs) : undefined;
      const started = performance.now();
      const results = await Promise.all(
        completions.map(async (completion) => {
          let tokens = 0;
          let firstAt: number | undefined;
          const t0 = performance.now();
          await completion.generateCompletion(opts.prompt, {
            maxTokens: opts.tokens,
            temperature: 0,
            seed: opts.seed,
            repeatPenalty: false,
            signal,
            stopOnAbortSignal: true,
            onToken: (t) => {
              firstAt ??= performance.now();
              tokens += t.length;
            },
          });
          return { tokens, ttft: (firstAt ?? performance.now()) - t0 };
        }),
      );
      rounds.push({ wallMs: performance.now() - started, tokens: results.reduce((s, x) => s + x.tokens, 0), ttfts: results.map((x) => x.ttft) });
    }
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
  return rounds;
}
