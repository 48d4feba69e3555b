import type { LlamaModel, Token } from "node-llama-cpp";
import { encodedVectorLength, encodeVector, type EmbedItem, type InferInput } from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { vocabularySize } from "../models/vocabulary.js";
import { InvalidParameterError } from "../invalid-parameter-error.js";
import { EMBEDDINGS_ENVELOPE_BYTES, VectorBatcher } from "./vector-batches.js";

export type EmbedInput = Extract<InferInput, { kind: "embed" }>;

/** An input with as many tokens as the context or more: refused, never truncated. */
export class EmbeddingInputTooLongError extends Error {
  override name = "EmbeddingInputTooLongError";
  constructor(
    /** Where the input sits in the job's inputs, e.g. `input[3]`. */
    readonly param: string,
    readonly tokens: number,
    readonly contextSize: number,
  ) {
    super(`This model's maximum context length is ${contextSize} tokens, but ${param} has ${tokens} tokens. Shorten it.`);
  }
}

interface EmbedCallbacks {
  signal: AbortSignal;
  /** The largest reply message the connection may send (the server's max payload). */
  maxMessageBytes: number;
  /** Called once every input is known to fit, before any evaluation. */
  onAccepted(promptTokens: number): void;
  /** Vectors of inputs `index`, `index + 1`, ... in order, each in OpenAI's base64 float32 form. */
  onVectors(index: number, vectors: string[]): void;
}

interface EmbedResult {
  promptTokens: number;
  embedMs: number;
  cancelled: boolean;
}

/** The item's tokens; ids outside the vocabulary are refused, naming the first one. */
function tokensOf(model: LlamaModel, item: EmbedItem, param: string, vocabulary: number | undefined): Token[] {
  const tokens = typeof item === "string" ? model.tokenize(item, false) : (item as Token[]);
  if (typeof item !== "string") {
    if (!vocabulary) throw new InvalidParameterError(param, "This model does not say how large its vocabulary is, so token ids cannot be checked.");
    const bad = item.findIndex((id) => id >= vocabulary);
    if (bad >= 0) {
      throw new InvalidParameterError(`${param}[${bad}]`, `Token id ${item[bad]} is not in this model's vocabulary (ids 0 to ${vocabulary - 1}).`);
    }
  }
  if (tokens.length === 0) throw new InvalidParameterError(param, `${param} has no tokens for this model.`);
  return tokens;
}

/** The first `dimensions` values scaled to unit length (OpenAI's vectors are unit length; cosine is then a dot product). */
function unitVector(vector: readonly number[], dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let squares = 0;
  for (let i = 0; i < dimensions; i++) squares += vector[i]! * vector[i]!;
  const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
  for (let i = 0; i < dimensions; i++) out[i] = vector[i]! * scale;
  return out;
}

/**
 * Embeds the job's inputs one by one on the model's embedding context and hands the vectors out
 * in reply-sized groups. Every input is tokenized and checked before the job is accepted, so a bad
 * one is a plain error reply and no work is wasted.
 */
export async function embed(served: ServedModel, input: EmbedInput, callbacks: EmbedCallbacks): Promise<EmbedResult> {
  const modelDimensions = served.model.embeddingVectorSize;
  const dimensions = input.dimensions ?? modelDimensions;
  if (dimensions > modelDimensions) {
    throw new InvalidParameterError("dimensions", `This model's embeddings have ${modelDimensions} dimensions; 'dimensions' can be at most that.`);
  }
  if (EMBEDDINGS_ENVELOPE_BYTES + encodedVectorLength(dimensions) > callbacks.maxMessageBytes) {
    throw new InvalidParameterError(
      "dimensions",
      `A vector of ${dimensions} dimensions does not fit one message under this NATS server's max payload (${callbacks.maxMessageBytes} bytes); ask for fewer dimensions.`,
    );
  }
  const context = await served.embeddings.get();
  const vocabulary = vocabularySize(served.model);
  const tokenized = input.inputs.map((item, i) => tokensOf(served.model, item, `input[${i}]`, vocabulary));
  let promptTokens = 0;
  tokenized.forEach((tokens, i) => {
    // What the context evaluates: the tokens plus the start (and end) token the model adds.
    const length = context.calculateInputLength(tokens);
    if (length >= served.embeddings.contextSize) throw new EmbeddingInputTooLongError(`input[${i}]`, length, served.embeddings.contextSize);
    promptTokens += length;
  });
  callbacks.onAccepted(promptTokens);

  const batcher = new VectorBatcher(callbacks.maxMessageBytes, callbacks.onVectors);
  const startedAt = performance.now();
  for (const [i, tokens] of tokenized.entries()) {
    if (callbacks.signal.aborted) return { promptTokens, embedMs: performance.now() - startedAt, cancelled: true };
    const embedding = await context.getEmbeddingFor(tokens);
    batcher.add(i, encodeVector(unitVector(embedding.vector, dimensions)));
  }
  batcher.flush();
  return { promptTokens, embedMs: performance.now() - startedAt, cancelled: false };
}
