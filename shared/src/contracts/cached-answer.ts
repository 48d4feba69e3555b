import { z } from "zod";
import { TokenUsage } from "./infer-reply.js";

export const AnswerObject = z.enum(["chat.completion", "text_completion"]);
export type AnswerObject = z.infer<typeof AnswerObject>;

/**
 * A complete, successful answer kept in KV bucket `cache` under the digest of its normalised
 * request, so that every gateway replica can replay it until `expiresAt`. `body` is the
 * non-streamed OpenAI body as JSON text, replayed byte for byte; a streamed request on a hit gets
 * it back as a stream.
 */
export const CachedAnswer = z.object({
  v: z.literal(1),
  object: AnswerObject,
  body: z.string().min(2),
  usage: TokenUsage,
  /** `local` or the upstream provider that produced it. */
  provider: z.string(),
  /** Epoch ms. */
  storedAt: z.number().int(),
  /** Epoch ms; the entry is a miss from then on, whatever the bucket's own retention. */
  expiresAt: z.number().int(),
});
export type CachedAnswer = z.infer<typeof CachedAnswer>;
