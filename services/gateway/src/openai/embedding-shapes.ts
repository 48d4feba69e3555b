import { decodeVector } from "@lantern/shared/contracts";

type EncodingFormat = "float" | "base64";

interface EmbeddingListOptions {
  model: string;
  /** Base64 little-endian float32, as the worker sends them. */
  vectors: string[];
  format: EncodingFormat;
  promptTokens: number;
}

const usage = (promptTokens: number) => ({ prompt_tokens: promptTokens, total_tokens: promptTokens });

/** OpenAI's embeddings response; base64 vectors pass through as the worker encoded them. */
export function embeddingListBody(opts: EmbeddingListOptions) {
  return {
    object: "list" as const,
    data: opts.vectors.map((vector, index) => ({
      object: "embedding" as const,
      index,
      embedding: opts.format === "base64" ? vector : decodeVector(vector),
    })),
    model: opts.model,
    usage: usage(opts.promptTokens),
  };
}

/** The answer of `/v1/embeddings/similarity`. */
export function similarityBody(opts: { model: string; similarity: number; promptTokens: number }) {
  return { object: "similarity" as const, model: opts.model, similarity: opts.similarity, usage: usage(opts.promptTokens) };
}
