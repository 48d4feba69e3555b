import type { EmbedItem, EmbeddingInput, Sampling } from "@lantern/shared/contracts";
import { ApiError } from "../errors/api-error.js";

interface EmbedItems {
  items: EmbedItem[];
  /** The request's `input` was one text or one token array, not a list of them. */
  single: boolean;
}

/** OpenAI's four forms of `input` as the job's list of items. */
export function embedItems(input: EmbeddingInput): EmbedItems {
  if (typeof input === "string") return { items: [input], single: true };
  // The schema refuses an empty list, so the first element tells the form.
  if (typeof input[0] === "number") return { items: [input as number[]], single: true };
  return { items: input as EmbedItem[], single: false };
}

/** An embed job samples nothing; the job format still carries sampling, so it gets fixed neutral values. */
export const EMBED_SAMPLING: Sampling = { temperature: 0, topP: 1, seed: 0, presencePenalty: 0, frequencyPenalty: 0, stop: [] };

/**
 * The worker names inputs by their place in the job's list (`input[0]`, `input[0][7]`); when the
 * request sent a single input, the field the client wrote is `input` (or `input[7]`).
 */
export function asRequestParam(err: unknown, single: boolean): unknown {
  if (!single || !(err instanceof ApiError) || !err.param?.startsWith("input[0]")) return err;
  const rest = err.param.slice("input[0]".length);
  return new ApiError(err.status, err.type, err.message.replaceAll("input[0]", "input"), {
    param: `input${rest}`,
    code: err.code,
    headers: err.headers,
    cause: err,
  });
}
