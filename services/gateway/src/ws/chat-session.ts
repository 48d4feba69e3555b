import type { WSContext } from "hono/ws";
import {
  GuideChatTurn,
  isGuideChatFrame,
  WsChatClientMessage,
  type ChatMessage,
  type GuideChatServerFrame,
  type WsChatResume,
} from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { guideFrameOf, guideTurnDefaults } from "../compat/llama-guide/guide-chat.js";
import { invalidRequest, type ApiError } from "../errors/api-error.js";
import { toApiError } from "../errors/render-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import type { RequestIds } from "../context/request-ids.js";
import { resumableBy } from "../http/stream-resume.js";
import type { ChatFrame } from "../render/ws-chat-output.js";
import { streamChat } from "./chat-generation.js";
import { CHAT_SOCKET_PATH } from "./chat-path.js";
import { resumeChat } from "./chat-resume.js";
import { closeCodeFor, errorBody, parseJsonFrame, readFrame, sendFrame } from "./socket-frames.js";

export { CHAT_SOCKET_PATH };

/** Which protocol a socket's client speaks: Lantern's frames (ws.ts) or the llama.cpp guide's (llama-guide-chat.ts). */
export type ChatDialect = "lantern" | "guide";

/** The chat id of a frame that did not parse, so its error still lands on the right chat. */
function chatIdOf(json: unknown): string | null {
  const id: unknown = typeof json === "object" && json !== null ? (json as { id?: unknown }).id : undefined;
  return typeof id === "string" && id.length > 0 && id.length <= 128 ? id : null;
}

/** One chat to start: Lantern's `chat` frame, or a guide turn with its defaults filled in. */
interface SocketChat {
  id: string;
  model: string;
  messages?: ChatMessage[] | undefined;
  content?: string | undefined;
  params?: Record<string, unknown> | undefined;
  /** Put before the history of a `content` turn. */
  system?: ChatMessage[];
}

/**
 * One chat socket: its key (from the URL or an `auth` frame), the history that `content` chats
 * add to, and the chats running now. Each chat is authenticated and accounted for on its own, as
 * one request; closing the socket stops them all. A frame's shape says which protocol answers it:
 * a frame without `type` is a turn of the llama.cpp guide's chat, served as a Lantern chat is and
 * answered in the guide's frames.
 */
export class ChatSession {
  private key: string | null;
  private history: ChatMessage[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly log: Logger;
  /** Guide turns run one after another, as the guide's server answers them: each sees the last answer in its history. */
  private guideTurns: Promise<void> = Promise.resolve();
  private guideTurnCount = 0;
  private isClosed = false;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly ws: WSContext,
    private readonly ids: RequestIds,
    key: string | null,
    /** Whose error shape a frame gets when its own shape cannot tell (not a JSON object): the last object frame's, at first the path's. */
    private dialect: ChatDialect = "lantern",
  ) {
    this.key = key;
    this.log = deps.logger.child({ component: "ws-chat" });
  }

  /** A key given in the URL is checked at once, so a wrong one closes the socket before any chat. */
  opened(): void {
    if (this.key !== null && this.checkKey()) sendFrame(this.ws, { type: "auth_ok" });
  }

  received(data: unknown): void {
    const read = readFrame(data);
    // Only an object says which protocol it is; anything else is answered in the socket's current one.
    if (read.ok && typeof read.json === "object" && read.json !== null && !Array.isArray(read.json)) {
      this.dialect = isGuideChatFrame(read.json) ? "guide" : "lantern";
    }
    if (this.dialect === "guide") {
      return read.ok ? this.guideTurn(read.json) : this.sendGuide({ type: "error", message: read.error.message });
    }
    if (!read.ok) return this.fail(null, read.error);
    const parsed = parseJsonFrame(WsChatClientMessage, read.json);
    if (!parsed.ok) return this.fail(chatIdOf(read.json), parsed.error);
    const message = parsed.message;
    switch (message.type) {
      case "auth":
        this.key = message.key;
        if (this.checkKey()) sendFrame(this.ws, { type: "auth_ok" });
        return;
      case "chat":
        return void this.start(message, (frame) => sendFrame(this.ws, { ...frame, id: message.id }));
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
    this.isClosed = true;
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

  private sendGuide(frame: GuideChatServerFrame): void {
    sendFrame(this.ws, frame);
  }

  /** A bare `{"content"}` frame: a turn on the socket's history with the configured model, system message and temperature. */
  private guideTurn(json: unknown): void {
    const parsed = GuideChatTurn.safeParse(json);
    if (!parsed.success) return this.sendGuide({ type: "error", message: parsed.error.issues[0]?.message ?? "invalid frame" });
    const id = `guide-${++this.guideTurnCount}`;
    const send = (frame: ChatFrame) => {
      const guide = guideFrameOf(frame);
      if (guide) this.sendGuide(guide);
    };
    const run = () => {
      // Turns still waiting when the socket closed are never started.
      if (this.isClosed) return;
      let defaults;
      try {
        defaults = guideTurnDefaults(this.deps);
      } catch (err) {
        return send({ type: "error", error: errorBody(toApiError(err)) });
      }
      return this.start({ id, model: defaults.model, content: parsed.data.content, system: defaults.system, params: defaults.params }, send);
    };
    this.guideTurns = this.guideTurns.then(run).catch((err: unknown) => this.log.error({ err, chatId: id }, "guide turn failed"));
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

  /** Starts a chat whose frames go to `send`; resolves when it has ended. */
  private start(message: SocketChat, send: (frame: ChatFrame) => void): Promise<void> {
    const { id } = message;
    const refuse = (error: ApiError) => send({ type: "error", error: errorBody(error) });
    if (this.running.has(id)) return Promise.resolve(refuse(invalidRequest(`A chat with id '${id}' is already running on this socket.`, "id", "duplicate_id")));
    const requestId = this.ids.take();
    let ledger;
    try {
      const who = this.deps.edge.authorize(this.authorization(), CHAT_SOCKET_PATH);
      ledger = this.deps.edge.ledgerFor({ requestId, method: "WS", path: CHAT_SOCKET_PATH, at: Date.now() }, who);
    } catch (err) {
      return Promise.resolve(refuse(toApiError(err)));
    }
    const turn: ChatMessage | undefined = message.content === undefined ? undefined : { role: "user", content: message.content };
    const messages = message.messages ?? [...(message.system ?? []), ...this.history, turn!];
    const controller = new AbortController();
    this.running.set(id, controller);
    const startedAt = performance.now();
    return streamChat(this.deps, {
      requestId,
      body: { ...message.params, model: message.model, messages },
      ledger,
      signal: controller.signal,
      send,
    })
      .then((answer) => {
        if (answer && turn) this.history.push(turn, { role: "assistant", content: answer.content });
        this.log.info({ requestId, chatId: id, model: message.model, answered: answer !== null, ms: Math.round(performance.now() - startedAt) }, "socket chat");
      })
      .finally(() => this.running.delete(id));
  }
}
