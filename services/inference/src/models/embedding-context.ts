import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";

interface EmbeddingContextOptions {
  /** Tokens one input may use (the input must be shorter); the generation contexts' size. */
  contextSize: number;
  threads: number;
}

/**
 * A model's embedding context, created on the first embed job and reused: models that never
 * embed pay nothing for it. node-llama-cpp's context evaluates one input at a time under its own
 * lock, so concurrent jobs queue on it safely.
 */
export class LazyEmbeddingContext {
  private context: Promise<LlamaEmbeddingContext> | undefined;
  private disposed = false;

  constructor(
    private readonly model: LlamaModel,
    private readonly opts: EmbeddingContextOptions,
  ) {}

  get contextSize(): number {
    return this.opts.contextSize;
  }

  get(): Promise<LlamaEmbeddingContext> {
    if (this.disposed) return Promise.reject(new Error("the model has been unloaded"));
    this.context ??= this.model
      .createEmbeddingContext({
        contextSize: this.opts.contextSize,
        // A whole input in one batch: models that pool over every token need that.
        batchSize: this.opts.contextSize,
        threads: this.opts.threads,
      })
      .catch((err: unknown) => {
        // A failed creation (e.g. out of memory) is retried by the next job, not cached.
        this.context = undefined;
        throw err;
      });
    return this.context;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const context = this.context;
    this.context = undefined;
    if (!context) return;
    await context.then((c) => c.dispose()).catch(() => {});
  }
}
