import { z } from "zod";

/*
 * The chat socket frames of the llama.cpp guide (seed 004), which the gateway's chat socket also
 * speaks: a frame without `type` is one of these; Lantern's own frames (ws.ts) all have a `type`.
 * Both ends parse with these schemas.
 */

/** A user turn: `content` is trimmed, and empty (or missing) is the guide's `"empty content"` error. */
export const GuideChatTurn = z.object({
  content: z.preprocess(
    (v) => v ?? "",
    z.string({ error: "content must be a string" }).trim().min(1, { error: "empty content" }).max(1024 * 1024),
  ),
});
export type GuideChatTurn = z.infer<typeof GuideChatTurn>;

/** A frame in the guide's protocol: it carries no `type` (`{"type":"reset"}` is the same in both). */
export function isGuideChatFrame(json: unknown): boolean {
  return typeof json === "object" && json !== null && !Array.isArray(json) && !("type" in json);
}

export const GuideChatServerFrame = z.discriminatedUnion("type", [
  /** A piece of the answer's text, as it is generated. */
  z.object({ type: z.literal("delta"), content: z.string() }),
  /** The answer is complete (or was stopped); the turn and the answer join the socket's history. */
  z.object({ type: z.literal("done") }),
  z.object({ type: z.literal("error"), message: z.string() }),
  z.object({ type: z.literal("reset_ok") }),
]);
export type GuideChatServerFrame = z.infer<typeof GuideChatServerFrame>;
