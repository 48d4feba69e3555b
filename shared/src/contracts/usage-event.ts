import { z } from "zod";

/**
 * One per request at the edge, successful or not, published on `events.usage` (stream EVENTS),
 * alone or in a `UsageEventBatch`; the admin service stores it once by `id`.
 */
export const UsageEvent = z.object({
  v: z.literal(1),
  type: z.literal("usage"),
  id: z.string().min(1),
  /** Epoch ms when the request arrived. */
  at: z.number().int(),
  requestId: z.string(),
  gatewayId: z.string(),
  /** null in open mode (no key). */
  keyId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  /** The model the client asked for ("" when the request never named one). */
  model: z.string(),
  /**
   * When `model` is a route: the model of the step whose answer the client got (the last one
   * tried when every step failed). Null when no route applied. Absent from older gateways' events.
   */
  servedModel: z.string().nullable().default(null),
  /** `local` or the upstream provider that answered. */
  provider: z.string(),
  /** Workers that served the request (one per choice at most). */
  workerIds: z.array(z.string()),
  /** HTTP status sent; 499 when the client went away. */
  status: z.number().int(),
  /** OpenAI `error.type` when the request failed. */
  errorType: z.string().nullable(),
  stream: z.boolean(),
  promptTokens: z.number().int().nonnegative(),
  /** Of `promptTokens`, those a worker took from its prompt cache instead of evaluating (0 from older gateways). */
  cachedTokens: z.number().int().nonnegative().default(0),
  completionTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** Time to the first generated text, when there was one. */
  ttftMs: z.number().nonnegative().nullable(),
  latencyMs: z.number().nonnegative(),
  cacheHit: z.boolean(),
});
export type UsageEvent = z.infer<typeof UsageEvent>;

/** The usage event of one request (or model call): its id is the request's, so it is stored once. */
export const usageEventOf = (
  fields: Omit<UsageEvent, "v" | "type" | "id" | "servedModel" | "cachedTokens"> & Partial<Pick<UsageEvent, "servedModel" | "cachedTokens">>,
): UsageEvent => ({
  v: 1,
  type: "usage",
  id: fields.requestId,
  servedModel: null,
  cachedTokens: 0,
  ...fields,
});

/**
 * Usage events a gateway published in one message: under load one JetStream write (and ack)
 * carries many requests. Its JetStream message id is made from the events it holds, so a retry
 * after a lost ack is stored once.
 */
export const UsageEventBatch = z.object({
  v: z.literal(1),
  type: z.literal("usage.batch"),
  events: z.array(UsageEvent).min(1),
});
export type UsageEventBatch = z.infer<typeof UsageEventBatch>;

/** What `events.usage` carries: one event, or a batch of them. */
export const UsageMessage = z.union([UsageEvent, UsageEventBatch]);
export type UsageMessage = z.infer<typeof UsageMessage>;

export const usageEventsOf = (message: UsageMessage): UsageEvent[] => (message.type === "usage" ? [message] : message.events);
