import type { NatsConnection } from "@nats-io/transport-node";
import {
  AppendMessagesRequest,
  ConversationDeletedReply,
  ConversationIdRequest,
  ConversationMessagesReply,
  ConversationReply,
  CreateConversationRequest,
  ListConversationsReply,
  ListConversationsRequest,
  ListMessagesRequest,
  UpdateConversationRequest,
  type ConversationOp,
  type ConversationView,
  type NatsNames,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { ConversationStore } from "../conversations/conversation-store.js";
import { OrchestratorFailure } from "../runs/orchestrator-failure.js";
import { OpResponder } from "./op-responder.js";

const notFound = (id: string) => new OrchestratorFailure(404, "conversation_not_found", `No conversation has the id '${id}'.`, "conversation");

/** Answers the conversation requests (`orchestrator.conversations.<op>`). */
export function startConversationResponder(nc: NatsConnection, names: NatsNames, store: ConversationStore, logger: Logger): OpResponder<ConversationOp> {
  const responder = new OpResponder<ConversationOp>(nc, names.queueGroups.orchestrators, logger);
  const found = async (id: string, owner: string | null): Promise<ConversationView> => {
    const conversation = await store.get(id, owner);
    if (!conversation) throw notFound(id);
    return conversation;
  };
  responder.start(names.subjects.orchestratorConversations, {
    create: responder.handler(CreateConversationRequest, ConversationReply, async ({ owner, title, model, systemPrompt, metadata }) => ({
      conversation: await store.create(owner, { title, model, systemPrompt, metadata }),
    })),
    get: responder.handler(ConversationIdRequest, ConversationReply, async (req) => ({ conversation: await found(req.conversationId, req.owner) })),
    list: responder.handler(ListConversationsRequest, ListConversationsReply, async (req) => ({ conversations: await store.list(req.owner, req.limit) })),
    update: responder.handler(UpdateConversationRequest, ConversationReply, async ({ conversationId, owner, v: _v, ...fields }) => {
      const conversation = await store.update(conversationId, owner, fields);
      if (!conversation) throw notFound(conversationId);
      return { conversation };
    }),
    delete: responder.handler(ConversationIdRequest, ConversationDeletedReply, async (req) => {
      if (!(await store.delete(req.conversationId, req.owner))) throw notFound(req.conversationId);
      return { deleted: 1 };
    }),
    append: responder.handler(AppendMessagesRequest, ConversationMessagesReply, async (req) => {
      const messages = await store.append(req.conversationId, req.owner, req.messages);
      if (!messages) throw notFound(req.conversationId);
      return { conversation: await found(req.conversationId, req.owner), messages };
    }),
    messages: responder.handler(ListMessagesRequest, ConversationMessagesReply, async (req) => {
      const conversation = await found(req.conversationId, req.owner);
      return { conversation, messages: await store.messages(req.conversationId, req.limit) };
    }),
    clear: responder.handler(ConversationIdRequest, ConversationDeletedReply, async (req) => {
      await found(req.conversationId, req.owner);
      return { deleted: await store.clear(req.conversationId) };
    }),
  });
  return responder;
}
