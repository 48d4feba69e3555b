import type { Context } from "hono";
import {
  AppendMessagesRequest,
  ConversationMessageInput,
  ConversationMessagesReply,
  ListMessagesRequest,
  type ConversationRole,
  type TokenUsage, HttpHeader } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { AnswerBody } from "../cache/response-cache.js";
import { invalidRequest } from "../errors/api-error.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import type { JsonObjectBody } from "../context/read-body.js";
import type { ConversationClient } from "./conversation-client.js";
import { estimateTokens, historyWindow, MESSAGE_OVERHEAD_TOKENS } from "./history-window.js";
import { setResponseHeader } from "../context/response-headers.js";

/** The Lantern extension field of a chat completion naming a stored conversation. */
const CONVERSATION_FIELD = "conversation";
/** How many stored messages went in front of the request, and how many older ones were left out. */
const HISTORY_HEADER = HttpHeader.conversationHistory;
const DROPPED_HEADER = HttpHeader.conversationDropped;

/** Most stored messages read for one turn; older ones could never fit a context anyway. */
const HISTORY_READ_LIMIT = 2_000;

interface ConversationTurn {
  /** The request as it goes on: history prepended, the extension field removed, the model filled in. */
  body: JsonObjectBody;
  /** Appends the request's messages and the answer to the conversation; never throws. */
  record(answer: AnswerBody, usage: TokenUsage): Promise<void>;
}

interface ConversationTurnDeps {
  client: ConversationClient;
  /** The model's context in tokens, as its workers report it. */
  contextSize(model: string): number;
  logger: Logger;
}

type Incoming = { role: ConversationRole; content: string };

/** The text of a request message that a conversation can store; 400 naming the message otherwise. */
function storable(message: unknown, index: number): Incoming {
  const m = message as { role?: unknown; content?: unknown };
  const content = Array.isArray(m.content)
    ? m.content.every((p: { type?: unknown }) => p?.type === "text")
      ? m.content.map((p: { text?: unknown }) => String(p.text ?? "")).join("")
      : undefined
    : m.content;
  const parsed = ConversationMessageInput.safeParse({ role: m.role, content });
  if (!parsed.success) {
    throw invalidRequest("A request naming a conversation may only send system, user and assistant messages with text content.", `messages[${index}]`);
  }
  return parsed.data;
}

/**
 * Continues a stored conversation when the chat request names one: its system prompt and the
 * newest history that fits the model's context (see `historyWindow`) go before the request's
 * messages. Undefined when the request names none.
 */
export async function openConversationTurn(c: Context<GatewayEnv>, deps: ConversationTurnDeps, body: JsonObjectBody): Promise<ConversationTurn | undefined> {
  const { [CONVERSATION_FIELD]: id, ...request } = body.object;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string" || id === "") throw invalidRequest("'conversation' must be a conversation id.", CONVERSATION_FIELD);
  const owner = c.get("ledger").caller.keyId;
  const { conversation, messages: history } = await deps.client.ask(
    "messages",
    ListMessagesRequest,
    { v: 1, owner, conversationId: id, limit: HISTORY_READ_LIMIT },
    ConversationMessagesReply,
  );
  if (request.model === undefined && conversation.model) request.model = conversation.model;
  if (typeof request.n === "number" && request.n > 1) throw invalidRequest("A request naming a conversation generates one answer: 'n' must be 1.", "n");
  const incoming = Array.isArray(request.messages) ? request.messages.map(storable) : [];

  const model = typeof request.model === "string" ? request.model : "";
  const context = deps.contextSize(model);
  const maxTokens = [request.max_completion_tokens, request.max_tokens].find((v): v is number => typeof v === "number");
  // The answer's room: what the request allows it, or a quarter of the context when it sets no limit.
  const answerRoom = maxTokens ?? Math.floor(context / 4);
  const system = conversation.systemPrompt ? [{ role: "system" as const, content: conversation.systemPrompt, tokens: null }] : [];
  const fixed = [...system, ...incoming.map((m) => ({ ...m, tokens: null }))].reduce((n, m) => n + estimateTokens(m), MESSAGE_OVERHEAD_TOKENS);
  const window = historyWindow(history, context - answerRoom - fixed);
  request.messages = [...system, ...window.kept, ...incoming].map(({ role, content }) => ({ role, content }));
  setResponseHeader(c, HISTORY_HEADER, String(window.kept.length));
  setResponseHeader(c, DROPPED_HEADER, String(window.dropped));

  return {
    body: { object: request, text: JSON.stringify(request) },
    async record(answer, usage) {
      const content = answerText(answer);
      const messages = [
        ...incoming.map((m) => ({ ...m, tokens: null })),
        ...(content !== undefined ? [{ role: "assistant" as const, content, tokens: usage.completionTokens }] : []),
      ];
      if (messages.length === 0) return;
      try {
        await deps.client.ask("append", AppendMessagesRequest, { v: 1, owner, conversationId: id, messages }, ConversationMessagesReply);
      } catch (err) {
        deps.logger.error({ err, conversationId: id, requestId: c.get("requestId") }, "could not store a conversation turn");
      }
    },
  };
}

/** The first choice's text of a chat completion body. */
function answerText(answer: AnswerBody): string | undefined {
  try {
    const parsed = JSON.parse(answer.body) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = parsed.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : undefined;
  } catch {
    return undefined;
  }
}
