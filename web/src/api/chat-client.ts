import type { ChatMessage, WsChatClientMessage, WsChatParams, WsChatServerMessage, WsUsage } from "@lantern/shared/contracts";
import type { ApiErrorBody } from "./api-error.js";
import { socketUrl } from "./api-key.js";

interface ChatHandlers {
  onDelta(delta: { content?: string; reasoning?: string }): void;
  onDone(done: { usage: WsUsage | null; finishReason: string; workerIds: string[] }): void;
  onError(error: ApiErrorBody): void;
}

const connectionLost: ApiErrorBody = { message: "The connection to the gateway closed.", type: "connection", param: null, code: null };

/**
 * One chat socket for the page, opened when first needed and again after it closes. Several
 * chats can run on it; each has handlers by its id.
 */
export class ChatClient {
  private ws: WebSocket | null = null;
  private readonly queued: string[] = [];
  private readonly chats = new Map<string, ChatHandlers>();

  chat(id: string, model: string, messages: ChatMessage[], params: WsChatParams, handlers: ChatHandlers): void {
    this.chats.set(id, handlers);
    this.send({ type: "chat", id, model, messages, params });
  }

  /** The chat ends with a `done` whose finish reason is `cancelled`; the worker frees its slot at once. */
  stop(id: string): void {
    if (this.chats.has(id)) this.send({ type: "stop", id });
  }

  /** Drops the socket, e.g. after the API key changed. */
  close(): void {
    this.ws?.close();
  }

  private send(frame: WsChatClientMessage): void {
    const text = JSON.stringify(frame);
    const ws = this.socket();
    if (ws.readyState === WebSocket.OPEN) ws.send(text);
    else this.queued.push(text);
  }

  private socket(): WebSocket {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return this.ws;
    const ws = new WebSocket(socketUrl("/v1/ws/chat"));
    this.ws = ws;
    ws.onopen = () => {
      for (const text of this.queued.splice(0)) ws.send(text);
    };
    ws.onmessage = (event) => this.received(JSON.parse(String(event.data)) as WsChatServerMessage);
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      for (const handlers of this.chats.values()) handlers.onError(connectionLost);
      this.chats.clear();
    };
    return ws;
  }

  private received(frame: WsChatServerMessage): void {
    if (frame.type === "reset_ok" || frame.type === "auth_ok") return;
    if (frame.id === null) {
      // Not about one chat (a refused key): every chat on the socket has failed.
      if (frame.type === "error") for (const handlers of this.chats.values()) handlers.onError(frame.error);
      return;
    }
    const handlers = this.chats.get(frame.id);
    if (!handlers) return;
    if (frame.type === "delta") handlers.onDelta(frame);
    else if (frame.type === "done") {
      this.chats.delete(frame.id);
      handlers.onDone({ usage: frame.usage, finishReason: frame.finish_reason, workerIds: frame.worker_ids ?? [] });
    } else if (frame.type === "error") {
      this.chats.delete(frame.id);
      handlers.onError(frame.error);
    }
  }
}
