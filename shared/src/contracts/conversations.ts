import { z } from "zod";
import { OrchestratorError, Owner } from "./pipelines.js";

/**
 * Conversations: stored chat histories, kept by the orchestrators. A chat completion naming one
 * (`"conversation": "<id>"`) gets its history prepended, and its turn appended.
 */

export const ConversationRole = z.enum(["system", "user", "assistant"]);
export type ConversationRole = z.infer<typeof ConversationRole>;

const Metadata = z.record(z.string(), z.unknown());

/** `POST /api/v1/conversations`. */
export const ConversationCreateBody = z
  .object({
    title: z.string().max(512).nullable().optional(),
    /** The model a chat request naming the conversation uses when it names none. */
    model: z.string().min(1).max(256).nullable().optional(),
    /** Sent first in every turn (never trimmed away). */
    system_prompt: z.string().nullable().optional(),
    metadata: Metadata.optional(),
  })
  .strict();
export type ConversationCreateBody = z.output<typeof ConversationCreateBody>;

/** `PATCH /api/v1/conversations/{id}`: the fields given are replaced. */
export const ConversationPatchBody = ConversationCreateBody;
export type ConversationPatchBody = ConversationCreateBody;

export const ConversationMessageInput = z.object({ role: ConversationRole, content: z.string() }).strict();
export type ConversationMessageInput = z.infer<typeof ConversationMessageInput>;

/** `POST /api/v1/conversations/{id}/messages`. */
export const ConversationMessagesBody = z.object({ messages: z.array(ConversationMessageInput).min(1).max(1000) }).strict();
export type ConversationMessagesBody = z.infer<typeof ConversationMessagesBody>;

export const ConversationView = z.object({
  id: z.string(),
  object: z.literal("conversation"),
  title: z.string().nullable(),
  model: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  metadata: Metadata,
  messageCount: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConversationView = z.infer<typeof ConversationView>;

export const ConversationMessageView = z.object({
  id: z.string(),
  object: z.literal("conversation.message"),
  conversationId: z.string(),
  /** Position in the conversation, from 1. */
  seq: z.number().int().positive(),
  role: ConversationRole,
  content: z.string(),
  /** Tokens the message took, when a worker measured it (assistant answers); null otherwise. */
  tokens: z.number().int().nonnegative().nullable(),
  createdAt: z.string(),
});
export type ConversationMessageView = z.infer<typeof ConversationMessageView>;

/** Request/reply with the orchestrators: `orchestrator.conversations.<op>`. */
export const ConversationOp = z.enum(["create", "get", "list", "update", "delete", "append", "messages", "clear"]);
export type ConversationOp = z.infer<typeof ConversationOp>;

const base = { v: z.literal(1), owner: Owner };

export const CreateConversationRequest = z.object({
  ...base,
  title: z.string().nullable(),
  model: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  metadata: Metadata,
});
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const ConversationIdRequest = z.object({ ...base, conversationId: z.string().min(1) });
export type ConversationIdRequest = z.infer<typeof ConversationIdRequest>;

export const ListConversationsRequest = z.object({ ...base, limit: z.number().int().min(1).max(500).default(50) });
export type ListConversationsRequest = z.infer<typeof ListConversationsRequest>;

/** Only the fields present change. */
export const UpdateConversationRequest = z.object({
  ...base,
  conversationId: z.string().min(1),
  title: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  systemPrompt: z.string().nullable().optional(),
  metadata: Metadata.optional(),
});
export type UpdateConversationRequest = z.infer<typeof UpdateConversationRequest>;

export const AppendMessagesRequest = z.object({
  ...base,
  conversationId: z.string().min(1),
  messages: z.array(ConversationMessageInput.extend({ tokens: z.number().int().nonnegative().nullable().default(null) })).min(1),
});
export type AppendMessagesRequest = z.infer<typeof AppendMessagesRequest>;

/** The newest `limit` messages, oldest first. */
export const ListMessagesRequest = z.object({ ...base, conversationId: z.string().min(1), limit: z.number().int().min(1).max(10_000).default(1000) });
export type ListMessagesRequest = z.infer<typeof ListMessagesRequest>;

const failed = z.object({ v: z.literal(1), ok: z.literal(false), error: OrchestratorError });
const answered = <T extends z.ZodRawShape>(shape: T) => z.discriminatedUnion("ok", [z.object({ v: z.literal(1), ok: z.literal(true), ...shape }), failed]);

export const ConversationReply = answered({ conversation: ConversationView });
export type ConversationReply = z.infer<typeof ConversationReply>;
export const ListConversationsReply = answered({ conversations: z.array(ConversationView) });
export type ListConversationsReply = z.infer<typeof ListConversationsReply>;
export const ConversationMessagesReply = answered({ conversation: ConversationView, messages: z.array(ConversationMessageView) });
export type ConversationMessagesReply = z.infer<typeof ConversationMessagesReply>;
export const ConversationDeletedReply = answered({ deleted: z.number().int().nonnegative() });
export type ConversationDeletedReply = z.infer<typeof ConversationDeletedReply>;
