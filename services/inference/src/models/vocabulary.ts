import type { LlamaModel } from "node-llama-cpp";

/** How many token ids the model knows, from its GGUF metadata; undefined when the file does not say. */
export function vocabularySize(model: LlamaModel): number | undefined {
  return model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length || undefined;
}
