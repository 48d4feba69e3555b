import type { CachedAnswer } from "@lantern/shared/contracts";
import { answerBodyOf } from "../cache/response-cache.js";
import type { RequestLedger } from "../context/request-ledger.js";
import { ClientGoneError } from "../errors/api-error.js";
import type { ChoiceCalls } from "../jobs/choice-fan-out.js";
import { chatCompletionShape } from "../openai/response-shapes.js";
import type { Delivery, Renderer, ResumableStream, UpstreamAnswer, UpstreamRefusal } from "../serving/generation.js";
import { ChatOutput, type ChatFinishReason, type ChatFrame, type ChatTurn } from "./ws-chat-output.js";
import { refusalError, relayUpstreamChat } from "./ws-upstream-chat.js";

interface SocketChat {
  requestId: string;
  ledger: RequestLedger;
  /** Aborted by a `stop` frame, a `reset`, or the socket closing. */
  signal: AbortSignal;
  /** The socket's path, under which a kept chat is resumed. */
  path: string;
  send(frame: ChatFrame): void;
}

/**
 * Renders a generation as a chat socket's frames: `delta` frames with its text and thoughts as
 * they come (each with its place in the kept reply stream when it can be resumed). How it ended
 * is returned; the `done` or `error` frame is the caller's.
 */
export class WsChatRenderer implements Renderer<ChatTurn> {
  readonly out: ChatOutput;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly chat: SocketChat) {
    this.out = new ChatOutput(chat);
  }

  get started(): boolean {
    return this.out.started;
  }

  private get id(): string {
    return `chatcmpl-${this.chat.requestId}`;
  }

  cacheMiss(): void {}

  /** A kept answer sent as the chat's frames: its thoughts and text at once, accounted as a cache hit. */
  cached(hit: CachedAnswer): ChatTurn {
    this.chat.ledger.servedBy({ provider: hit.provider, cacheHit: true });
    const body = JSON.parse(hit.body) as { choices?: Array<{ message?: { content?: unknown; reasoning_content?: unknown }; finish_reason?: unknown }> };
    const choice = body.choices?.[0];
    if (typeof choice?.message?.reasoning_content === "string") this.out.thought(choice.message.reasoning_content);
    if (typeof choice?.message?.content === "string") this.out.text(choice.message.content);
    return { usage: hit.usage, finishReason: choice?.finish_reason === "length" ? "length" : "stop" };
  }

  resumable(model: string): ResumableStream {
    return {
      method: "WS",
      path: this.chat.path,
      promptParam: "messages",
      shape: { kind: "chat", id: this.id, model, created: this.created, includeUsage: false, legacyFunctions: false },
    };
  }

  async fleet(calls: ChoiceCalls, delivery: Delivery, kept: boolean): Promise<ChatTurn> {
    const { out } = this;
    const place = (seq: number) => (kept ? { request_id: this.chat.requestId, seq } : {});
    let finishReason: ChatFinishReason = "stop";
    for await (const event of calls.events()) {
      if (event.kind === "text") out.text(event.text, place(event.seq));
      else if (event.kind === "reasoning") out.thought(event.text, place(event.seq));
      else if (event.kind === "finish") finishReason = event.finishReason;
      else if (event.kind === "error") throw event.error;
      else if (event.kind === "complete") {
        if (finishReason !== "cancelled" && delivery.keep) {
          const shape = chatCompletionShape({ id: this.id, model: delivery.model, created: this.created, includeUsage: false });
          const answer = answerBodyOf(shape.body([{ text: out.content, reasoning: out.reasoning, toolCalls: [], finishReason, logprobs: undefined }], event.usage));
          if (answer) delivery.keep(answer, event.usage);
        }
        return { usage: event.usage, finishReason, workerIds: [...calls.workerIds] };
      }
    }
    // The events end without complete or error only when the chat was stopped.
    throw new ClientGoneError();
  }

  upstream(answer: UpstreamAnswer, delivery: Delivery): Promise<ChatTurn> {
    this.chat.ledger.servedBy({ provider: answer.provider });
    return relayUpstreamChat(answer, this.out, this.chat.signal, delivery.keep);
  }

  refusal(refusal: UpstreamRefusal): never {
    throw refusalError(refusal);
  }
}
