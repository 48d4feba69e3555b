import { z } from "zod";
import { OrchestratorError, Owner } from "./pipelines.js";

/**
 * Responses of `POST /v1/responses` kept by the orchestrators (unless `store: false`), owned by
 * the key that made them: read back, deleted, and continued with `previous_response_id`.
 */

const Json = z.record(z.string(), z.unknown());

/** Request/reply with the orchestrators: `orchestrator.responses.<op>`. */
export const StoredResponseOp = z.enum(["store", "get", "delete"]);
export type StoredResponseOp = z.infer<typeof StoredResponseOp>;

export const StoredResponse = z.object({
  /** The Response object as the client got it. */
  response: Json,
  /** The request's own input items, each with its id (`GET /v1/responses/{id}/input_items`). */
  inputItems: z.array(Json),
  /** Every item the model saw before this response's output (earlier turns, then this input); instructions are not carried. */
  context: z.array(Json),
});
export type StoredResponse = z.infer<typeof StoredResponse>;

const base = { v: z.literal(1), owner: Owner, responseId: z.string().min(1) };

export const StoreResponseRequest = z.object({ ...base, ...StoredResponse.shape });
export type StoreResponseRequest = z.infer<typeof StoreResponseRequest>;

export const StoredResponseIdRequest = z.object(base);
export type StoredResponseIdRequest = z.infer<typeof StoredResponseIdRequest>;

const failed = z.object({ v: z.literal(1), ok: z.literal(false), error: OrchestratorError });
const answered = <T extends z.ZodRawShape>(shape: T) => z.discriminatedUnion("ok", [z.object({ v: z.literal(1), ok: z.literal(true), ...shape }), failed]);

export const StoredResponseReply = answered({ stored: StoredResponse });
export type StoredResponseReply = z.infer<typeof StoredResponseReply>;
export const StoredResponseDoneReply = answered({});
export type StoredResponseDoneReply = z.infer<typeof StoredResponseDoneReply>;
