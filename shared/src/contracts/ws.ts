import { z } from "zod";
import { ChatCompletionRequest, ChatMessage } from "./openai-requests.js";

/*
 * Frames of the gateway's WebSockets (`/v1/ws/chat`, `/v1/ws/monitor`): JSON text, one message a
 * frame, discriminated by `type`. Both ends parse with these schemas.
 */

/** A client's name for one chat on its socket: echoed on every frame of that chat. */
const WsChatId = z.string().min(1).max(128);

/** The generation settings a chat may set: the chat completion fields that make sense for one streamed reply. */
export const WsChatParams = ChatCompletionRequest.pick({
  max_tokens: true,
  max_completion_tokens: true,
  temperature: true,
  top_p: true,
  stop: true,
  seed: true,
  presence_penalty: true,
  frequency_penalty: true,
  logit_bias: true,
  priority: true,
  response_format: true,
  grammar: true,
  reasoning_format: true,
  reasoning_budget: true,
}).strict();
export type WsChatParams = z.infer<typeof WsChatParams>;

/**
 * `messages`: the whole conversation, as in a chat completion. `content`: one user turn, added to
 * the history the socket keeps (its answer is added when it is done; `reset` clears it).
 */
export const WsChatStart = z
  .object({
    type: z.literal("chat"),
    id: WsChatId,
    model: z.string().min(1).max(256),
    messages: z.array(ChatMessage).min(1).optional(),
    content: z.string().min(1).optional(),
    params: WsChatParams.optional(),
  })
  .refine((m) => (m.messages === undefined) !== (m.content === undefined), {
    message: "give either 'messages' or 'content'",
    path: ["messages"],
  });
export type WsChatStart = z.infer<typeof WsChatStart>;

/** An API key sent as the first frame, for clients that cannot put it in the URL. */
const WsAuth = z.object({ type: z.literal("auth"), key: z.string().min(1).max(512) });

/**
 * Continues a chat whose socket was lost (its gateway may be gone): the frames after reply `after`
 * of request `request_id` (both from the chat's delta frames), as new frames of chat `id`.
 */
export const WsChatResume = z.object({
  type: z.literal("resume"),
  id: WsChatId,
  request_id: z.string().regex(/^[A-Za-z0-9_-]{1,96}$/, "a request id from a delta frame"),
  after: z.number().int().nonnegative(),
});
export type WsChatResume = z.infer<typeof WsChatResume>;

export const WsChatClientMessage = z.union([
  WsChatStart,
  WsChatResume,
  z.object({ type: z.literal("stop"), id: WsChatId }),
  z.object({ type: z.literal("reset") }),
  WsAuth,
]);
export type WsChatClientMessage = z.infer<typeof WsChatClientMessage>;

/** The OpenAI error body's inner object. */
export const WsError = z.object({
  message: z.string(),
  type: z.string(),
  param: z.string().nullable(),
  code: z.string().nullable(),
});
export type WsError = z.infer<typeof WsError>;

export const WsUsage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  /** As OpenAI's: `cached_tokens` of the prompt a worker's slot already held. */
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative() }).optional(),
});
export type WsUsage = z.infer<typeof WsUsage>;

export const WsChatServerMessage = z.discriminatedUnion("type", [
  /** Text of the answer (`content`) or of the model's thought (`reasoning`), as it is generated. */
  z.object({
    type: z.literal("delta"),
    id: WsChatId,
    content: z.string().optional(),
    reasoning: z.string().optional(),
    /** The chat's request and this frame's place in it: what a `resume` names, when the chat can be resumed. */
    request_id: z.string().optional(),
    seq: z.number().int().positive().optional(),
  }),
  /** `usage` is null when the chat was stopped before the worker reported it. */
  z.object({
    type: z.literal("done"),
    id: WsChatId,
    usage: WsUsage.nullable(),
    finish_reason: z.enum(["stop", "length", "cancelled", "tool_calls"]),
    /** The workers that generated the answer; absent when none did (a cached or upstream answer, a stopped chat). */
    worker_ids: z.array(z.string()).optional(),
  }),
  /** `id` is null for a frame that belongs to no chat (unreadable, or a bad key). */
  z.object({ type: z.literal("error"), id: WsChatId.nullable(), error: WsError }),
  z.object({ type: z.literal("reset_ok") }),
  z.object({ type: z.literal("auth_ok") }),
]);
export type WsChatServerMessage = z.infer<typeof WsChatServerMessage>;

/**
 * What a monitor can follow: `worker.stats` (live workers with their slots and tokens/s),
 * `queue.stats` (waiting jobs per model), `usage` (one per finished request), and the platform
 * events by family: `model.*` (loads, unloads, pulls), `pipeline.*` (runs and stages), `task.*`.
 * A kind ending in `.*` follows every kind under it; `*` follows everything.
 */
const MonitorKind = z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, "a kind such as 'model.*' or 'worker.stats'");

export const MonitorClientMessage = z.discriminatedUnion("type", [
  /** Replaces what the socket follows; the latest of each followed kind is sent at once. */
  z.object({ type: z.literal("subscribe"), kinds: z.array(MonitorKind).min(1).max(32) }),
  WsAuth,
]);
export type MonitorClientMessage = z.infer<typeof MonitorClientMessage>;

export const MonitorServerMessage = z.discriminatedUnion("type", [
  /** `data` is the event body as published (its own schema in these contracts), or the stats snapshot. */
  z.object({ type: z.literal("event"), kind: z.string(), at: z.number().int(), data: z.unknown() }),
  z.object({ type: z.literal("subscribed"), kinds: z.array(z.string()) }),
  z.object({ type: z.literal("error"), id: z.null(), error: WsError }),
  z.object({ type: z.literal("auth_ok") }),
]);
export type MonitorServerMessage = z.infer<typeof MonitorServerMessage>;

/** Whether a monitor kind pattern follows a kind. */
export function monitorKindMatches(pattern: string, kind: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return kind.startsWith(pattern.slice(0, -1));
  return pattern === kind;
}
