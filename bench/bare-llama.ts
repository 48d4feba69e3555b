import { getLlama, LlamaCompletion, LlamaLogLevel, type LlamaContext, type LlamaContextSequence } from "node-llama-cpp";
import type { EvaluationSettings } from "@lantern/inference";

export interface Round {
  wallMs: number;
  tokens: number;
  ttfts: number[];
}

export interface GenerationSpec {
  prompt: string;
  tokens: number;
  seed: number;
}

/** node-llama-cpp in this process: `sequences` sequences spread over `contexts` contexts. */
export class BareEngine {
  private constructor(
    private readonly sequences: LlamaContextSequence[],
    private readonly dispose: () => Promise<void>,
  ) {}

  /** `evaluation`: flash attention and batch size as a worker would set them; absent: node-llama-cpp's defaults. */
  static async load(modelPath: string, threads: number, sequences: number, contexts = 1, evaluation: EvaluationSettings = {}): Promise<BareEngine> {
    const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath });
    const made: LlamaContext[] = [];
    const seqs: LlamaContextSequence[] = [];
    for (let c = 0; c < contexts; c++) {
      const share = Math.floor(sequences / contexts) + (c < sequences % contexts ? 1 : 0);
      const context = await model.createContext({
        sequences: share,
        threads,
        ...(evaluation.batchSize !== undefined ? { batchSize: evaluation.batchSize } : {}),
        ...(evaluation.flashAttention !== undefined ? { flashAttention: evaluation.flashAttention } : {}),
      });
      made.push(context);
      for (let i = 0; i < share; i++) seqs.push(context.getSequence());
    }
    return new BareEngine(seqs, async () => {
      for (const context of made) await context.dispose();
      await model.dispose();
      await llama.dispose();
    });
  }

  /** `concurrency` generations at once; stops each early once `limitMs` has passed. */
  async round(concurrency: number, spec: GenerationSpec, limitMs?: number): Promise<Round> {
    const signal = limitMs ? AbortSignal.timeout(limitMs) : undefined;
    const started = performance.now();
    const results = await Promise.all(
      this.sequences.slice(0, concurrency).map(async (sequence) => {
        const completion = new LlamaCompletion({ contextSequence: sequence });
        let tokens = 0;
        let firstAt: number | undefined;
        const t0 = performance.now();
        await completion.generateCompletion(spec.prompt, {
          maxTokens: spec.tokens,
          temperature: 0,
          seed: spec.seed,
          repeatPenalty: false,
          signal,
          stopOnAbortSignal: true,
          onToken: (t) => {
            firstAt ??= performance.now();
            tokens += t.length;
          },
        });
        completion.dispose({ disposeSequence: false });
        await sequence.clearHistory();
        return { tokens, ttft: (firstAt ?? performance.now()) - t0 };
      }),
    );
    return { wallMs: performance.now() - started, tokens: results.reduce((s, x) => s + x.tokens, 0), ttfts: results.map((x) => x.ttft) };
  }

  close(): Promise<void> {
    return this.dispose();
  }
}
