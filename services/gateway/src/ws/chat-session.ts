import type { WSContext } from "hono/ws";
import { WsChatClientMessage, type ChatMessage, type WsChatResume, type WsChatStart } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { invalidRequest, type ApiError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { RequestIds } from "../context/request-ids.js";
import { resumableBy } from "../http/stream-resume.js";
import { streamChat } from "./chat-generation.js";
import { CHAT_SOCKET_PATH } from "./chat-path.js";
import { resumeChat } from "./chat-resume.js";
import { closeCodeFor, errorBody, parseFrame, sendFrame } from "./socket-frames.js";

export { CHAT_SOCKET_PATH };

/** The chat id of a frame that did not parse, so its error still lands on the right chat. */
function chatIdOf(data: unknown): string | null {
  if (typeof data !== "string") return null;
  try {
    const id: unknown = (JSON.parse(data) as { id?: unknown })?.id;
    return typeof id === "string" && id.length > 0 && id.length <= 128 ? id : null;
  } catch {
    return null;
  }
}

/**
 * One chat socket: its key (from the URL or an `auth` frame), the history that `content` chats
 * add to, and the chats running now. Each chat is authenticated and accounted for on its own, as
 * one request; closing the socket stops them all.
 */
export class ChatSession {
  private key: string | null;
  private history: ChatMessage[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly log: Logger;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly ws: WSContext,
    private readonly ids: RequestIds,
    key: string | null,
  ) {
    this.key = key;
    this.log = deps.logger.child({ component: "ws-chat" });
  }

  /** A key given in the URL is checked at once, so a wrong one closes the socket before any chat. */
  opened(): void {
    if (this.key !== null && this.checkKey()) sendFrame(this.ws, { type: "auth_ok" });
  }

  received(data: unknown): void {
    const parsed = parseFrame(WsChatClientMessage, data);
    if (!parsed.ok) return this.fail(chatIdOf(data), parsed.error);
    const message = parsed.message;
    switch (message.type) {
      case "auth":
        this.key = message.key;
        if (this.checkKey()) sendFrame(this.ws, { type: "auth_ok" });
        return;
      case "chat":
        return this.start(message);
      case "resume":
        return void this.resume(message);
      case "stop":
        // Stopping a chat that already ended is a race the client cannot avoid, not an error.
        this.running.get(message.id)?.abort();
        return;
      case "reset":
        this.stopAll();
        this.history = [];
        sendFrame(this.ws, { type: "reset_ok" });
        return;
    }
  }

  closed(): void {
    this.stopAll();
  }

  private stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }

  private authorization(): string | undefined {
    return this.key === null ? undefined : `Bearer ${this.key}`;
  }

  private checkKey(): boolean {
    try {
      this.deps.edge.authorize(this.authorization(), CHAT_SOCKET_PATH);
      return true;
    } catch (err) {
      const error = toApiError(err);
      this.fail(null, error);
      this.ws.close(closeCodeFor(error), error.code ?? error.type);
      return false;
    }
  }

  private fail(id: string | null, error: ApiError): void {
    sendFrame(this.ws, { type: "error", id, error: errorBody(error) });
  }

  /** Continues a chat begun on another socket; its answer joins no history (the client has the chat). */
  private async resume(message: WsChatResume): Promise<void> {
    const { id } = message;
    if (this.running.has(id)) return this.fail(id, invalidRequest(`A chat with id '${id}' is already running on this socket.`, "id", "duplicate_id"));
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const record = await resumableBy(this.deps, message.request_id, this.authorization());
      this.log.info({ requestId: record.requestId, chatId: id, after: message.after, startedBy: record.gatewayId }, "resuming socket chat");
      await resumeChat(this.deps, {
        record,
        after: message.after,
        signal: controller.signal,
        send: (frame) => sendFrame(this.ws, { ...frame, id }),
      });
    } catch (err) {
      this.fail(id, toApiError(err));
    } finally {
      this.running.delete(id);
    }
  }

  private start(message: WsChatStart): void {
    const { id } = message;
    if (this.running.has(id)) return this.fail(id, invalidRequest(`A chat with id '${id}' is already running on this socket.`, "id", "duplicate_id"));
    const requestId = this.ids.take();
    let ledger;
    try {
      const who = this.deps.edge.authorize(this.authorization(), CHAT_SOCKET_PATH);
      ledger = this.deps.edge.ledgerFor({ requestId, method: "WS", path: CHAT_SOCKET_PATH, at: Date.now() }, who);
    } catch (err) {
      return this.fail(id, toApiError(err));
    }
    const turn: ChatMessage | undefined = message.content === undefined ? undefined : { role: "user", content: message.content };
    const messages = message.messages ?? [...this.history, turn!];
    const controller = new AbortController();
    this.running.set(id, controller);
    const startedAt = performance.now();
    void streamChat(this.deps, {
      requestId,
      body: { ...message.params, model: message.model, messages },
      ledger,
      signal: controller.signal,
      send: (frame) => sendFrame(this.ws, { ...frame, id }),
    })
      .then((answer) => {
        if (answer && turn) this.history.push(turn, { role: "assistant", content: answer.content });
        this.log.info({ requestId, chatId: id, model: message.model, answered: answer !== null, ms: Math.round(performance.now() - startedAt) }, "socket chat");
      })
      .finally(() => this.running.delete(id));
  }
}
