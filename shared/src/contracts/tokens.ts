import { z } from "zod";
import { InferInput, ToolUse } from "./infer-job.js";

/**
 * The tokenizer of a loaded model, asked over core NATS request/reply on `tokens.<model-token>`
 * (`natsNames().subjects.tokens`): any one worker serving the model answers (queue group
 * `tokenizers`). Nothing is queued or evaluated, so these never wait for a slot.
 */

const TokenId = z.number().int().nonnegative();

const TokenizeRequest = z.object({
  v: z.literal(1),
  op: z.literal("tokenize"),
  model: z.string().min(1),
  content: z.string(),
  /** Add the model's BOS (and EOS, where its vocabulary asks for one) as a prompt would have them. */
  addSpecial: z.boolean(),
  /** Text spelling a special token (`<s>`) becomes that token, as in llama.cpp's server; false: plain text. */
  parseSpecial: z.boolean(),
  /** Also answer each token's piece of text. */
  withPieces: z.boolean(),
});

const DetokenizeRequest = z.object({
  v: z.literal(1),
  op: z.literal("detokenize"),
  model: z.string().min(1),
  tokens: z.array(TokenId),
});

/** The prompt tokens a generation of this input would evaluate: same template, same function documentation. */
const CountRequest = z.object({
  v: z.literal(1),
  op: z.literal("count"),
  model: z.string().min(1),
  input: InferInput,
  tools: ToolUse.optional(),
});

export const TokensRequest = z.discriminatedUnion("op", [TokenizeRequest, DetokenizeRequest, CountRequest]);
export type TokensRequest = z.infer<typeof TokensRequest>;
export type TokensOp = TokensRequest["op"];

/** A token's text; its bytes (0-255) when they are not valid UTF-8 on their own (part of a character). */
export const TokenPiece = z.union([z.string(), z.array(z.number().int().min(0).max(255))]);
export type TokenPiece = z.infer<typeof TokenPiece>;

export const TokensResult = z.discriminatedUnion("op", [
  /** `pieces[i]` is the piece of `tokens[i]`; present when asked for. */
  z.object({ op: z.literal("tokenize"), tokens: z.array(TokenId), pieces: z.array(TokenPiece).optional() }),
  z.object({ op: z.literal("detokenize"), content: z.string() }),
  z.object({ op: z.literal("count"), promptTokens: z.number().int().nonnegative() }),
]);
export type TokensResult = z.infer<typeof TokensResult>;

export const TokensErrorCode = z.enum([
  /** The request does not match TokensRequest. */
  "invalid_request",
  /** A value this model cannot take (a token id outside its vocabulary, an input it cannot count); `param` names it. */
  "invalid_parameter",
  /** The answer would not fit in one NATS message. */
  "too_large",
  /** This worker no longer serves the model (it is being unloaded). */
  "model_not_loaded",
  "internal",
]);
export type TokensErrorCode = z.infer<typeof TokensErrorCode>;

export const TokensError = z.object({
  code: TokensErrorCode,
  message: z.string(),
  /** The request field at fault, in this contract's names (`tokens[3]`, `input`). */
  param: z.string().nullable().default(null),
});
export type TokensError = z.infer<typeof TokensError>;

export const TokensReply = z.discriminatedUnion("ok", [
  z.object({ v: z.literal(1), ok: z.literal(true), result: TokensResult }),
  z.object({ v: z.literal(1), ok: z.literal(false), error: TokensError }),
]);
export type TokensReply = z.infer<typeof TokensReply>;
