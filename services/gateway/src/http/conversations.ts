import type { Context } from "hono";
import { Hono } from "hono";
import {
  AppendMessagesRequest,
  ConversationCreateBody,
  ConversationDeletedReply,
  ConversationIdRequest,
  ConversationMessagesBody,
  ConversationMessagesReply,
  ConversationPatchBody,
  ConversationReply,
  CreateConversationRequest,
  ListConversationsReply,
  ListConversationsRequest,
  ListMessagesRequest,
  natsNames,
  UpdateConversationRequest,
} from "@lantern/shared/contracts";
import { invalidRequest } from "../errors/api-error.js";
import { ConversationClient } from "../conversations/conversation-client.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonBody } from "../context/read-body.js";
import { ownerOf } from "./tasks.js";
import { setResponseHeader } from "../context/response-headers.js";

function limitOf(c: Context<GatewayEnv>, max: number, fallback: number): number {
  const limit = c.req.query("limit");
  const parsed = limit === undefined ? fallback : Number(limit);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw invalidRequest(`'limit' must be a whole number from 1 to ${max}.`, "limit");
  return parsed;
}

/** `/api/v1/conversations`: stored chat histories a chat completion can continue (`"conversation": "<id>"`). */
export function conversationsRoutes(deps: GatewayDeps) {
  const client = new ConversationClient(deps.nats.nc, natsNames(deps.config.NATS_NAMESPACE));
  const limits = deps.config;
  const byId = (c: Context<GatewayEnv>) => ({ v: 1 as const, owner: ownerOf(c), conversationId: c.req.param("id")! });

  return new Hono<GatewayEnv>()
    .post("/conversations", async (c) => {
      const body = await readJsonBody(c, ConversationCreateBody, limits);
      const request = { v: 1 as const, owner: ownerOf(c), title: body.title ?? null, model: body.model ?? null, systemPrompt: body.system_prompt ?? null, metadata: body.metadata ?? {} };
      const { conversation } = await client.ask("create", CreateConversationRequest, request, ConversationReply);
      setResponseHeader(c, "location", `/api/v1/conversations/${conversation.id}`);
      return c.json(conversation, 201);
    })
    .get("/conversations", async (c) => {
      const request = { v: 1 as const, owner: ownerOf(c), limit: limitOf(c, 500, 50) };
      return c.json({ object: "list", data: (await client.ask("list", ListConversationsRequest, request, ListConversationsReply)).conversations });
    })
    .get("/conversations/:id", async (c) => c.json((await client.ask("get", ConversationIdRequest, byId(c), ConversationReply)).conversation))
    .patch("/conversations/:id", async (c) => {
      const body = await readJsonBody(c, ConversationPatchBody, limits);
      const request = {
        ...byId(c),
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.model !== undefined ? { model: body.model } : {}),
        ...(body.system_prompt !== undefined ? { systemPrompt: body.system_prompt } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      };
      return c.json((await client.ask("update", UpdateConversationRequest, request, ConversationReply)).conversation);
    })
    .delete("/conversations/:id", async (c) => {
      await client.ask("delete", ConversationIdRequest, byId(c), ConversationDeletedReply);
      return c.json({ id: c.req.param("id"), object: "conversation.deleted", deleted: true });
    })
    .post("/conversations/:id/messages", async (c) => {
      const body = await readJsonBody(c, ConversationMessagesBody, limits);
      const request = { ...byId(c), messages: body.messages.map((m) => ({ ...m, tokens: null })) };
      const { messages } = await client.ask("append", AppendMessagesRequest, request, ConversationMessagesReply);
      return c.json({ object: "list", data: messages }, 201);
    })
    .get("/conversations/:id/messages", async (c) => {
      const request = { ...byId(c), limit: limitOf(c, 10_000, 1000) };
      return c.json({ object: "list", data: (await client.ask("messages", ListMessagesRequest, request, ConversationMessagesReply)).messages });
    })
    .delete("/conversations/:id/messages", async (c) => {
      const { deleted } = await client.ask("clear", ConversationIdRequest, byId(c), ConversationDeletedReply);
      return c.json({ object: "conversation.messages.deleted", conversationId: c.req.param("id"), deleted });
    });
}
