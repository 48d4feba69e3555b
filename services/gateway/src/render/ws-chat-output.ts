import type { TokenUsage, WsChatServerMessage } from "@lantern/shared/contracts";
import type { RequestLedger } from "../context/request-ledger.js";

/** A frame of one chat, without the chat's id (the session adds it). */
export type ChatFrame = WsChatServerMessage extends infer F ? (F extends { id: unknown } ? Omit<F, "id"> : never) : never;

export type ChatFinishReason = "stop" | "length" | "cancelled" | "tool_calls";

/** How one chat ended, whoever answered it (the fleet, an upstream, the cache). */
export interface ChatTurn {
  usage: TokenUsage;
  finishReason: ChatFinishReason;
  /** The fleet's workers that generated it (none for the cache or an upstream). */
  workerIds?: string[];
}

/**
 * What a chat has sent its socket so far: its text and thoughts (for the socket's history) and
 * whether anything went out at all. A route may try its next step only while nothing has.
 */
export class ChatOutput {
  content = "";
  reasoning = "";
  started = false;

  constructor(private readonly gen: { ledger: RequestLedger; send(frame: ChatFrame): void }) {}

  text(content: string, place: { request_id?: string; seq?: number } = {}): void {
    if (!content) return;
    this.begin();
    this.content += content;
    this.gen.send({ type: "delta", content, ...place } as ChatFrame);
  }

  thought(reasoning: string, place: { request_id?: string; seq?: number } = {}): void {
    if (!reasoning) return;
    this.begin();
    this.reasoning += reasoning;
    this.gen.send({ type: "delta", reasoning, ...place } as ChatFrame);
  }

  private begin(): void {
    this.started = true;
    this.gen.ledger.firstOutput();
  }
}
