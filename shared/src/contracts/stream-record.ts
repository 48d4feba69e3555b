import { z } from "zod";

/** How a resumable stream's chunks are shaped, so that another gateway can write the rest of them alike. */
export const StreamShape = z.object({
  kind: z.enum(["chat", "completion"]),
  /** The `id` of every chunk (`chatcmpl-…`, `cmpl-…`). */
  id: z.string(),
  model: z.string(),
  created: z.number().int(),
  includeUsage: z.boolean(),
  legacyFunctions: z.boolean().default(false),
});
export type StreamShape = z.infer<typeof StreamShape>;

/**
 * Published once per resumable stream (`resumable.<requestId>`, kept by stream REPLIES as long as
 * its replies): who may resume it and what the gateway that resumes it must know to finish its
 * accounting (one usage event, by the request's id).
 */
export const StreamRecord = z.object({
  v: z.literal(1),
  requestId: z.string(),
  gatewayId: z.string(),
  /** The key that started it, the only one that may resume it; null when it ran open (then only an open request may). */
  keyId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  /** Epoch ms when the request arrived. */
  at: z.number().int(),
  /** Where an over-long prompt would have been reported ("messages" or "prompt"). */
  promptParam: z.string(),
  shape: StreamShape,
});
export type StreamRecord = z.infer<typeof StreamRecord>;

/**
 * A stream event's id (`<requestId>:<seq>`): `seq` counts the job's replies up to the one the
 * event came from, so any gateway can rebuild the same events from the kept replies and skip
 * those the client has.
 */
export function streamEventId(requestId: string, seq: number): string {
  return `${requestId}:${seq}`;
}

const EVENT_ID = /^([A-Za-z0-9_-]{1,96}):(\d{1,9})$/;

/** The request and position an SSE `Last-Event-ID` names, or null when it is not one of ours. */
export function parseStreamEventId(id: string): { requestId: string; seq: number } | null {
  const match = EVENT_ID.exec(id.trim());
  return match ? { requestId: match[1]!, seq: Number(match[2]) } : null;
}
