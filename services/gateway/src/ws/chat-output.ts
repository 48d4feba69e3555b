import type { TokenUsage } from "@lantern/shared/contracts";
import type { AnswerBody } from "../cache/response-cache.js";
import type { ChatFrame, ChatGeneration } from "./chat-generation.js";

export type ChatFinishReason = "stop" | "length" | "cancelled" | "tool_calls";

/** How one chat ended, whoever answered it (the fleet, an upstream, the cache). */
export interface ChatTurn {
  usage: TokenUsage;
  finishReason: ChatFinishReason;
  /** `local` or the upstream provider's name. */
  provider: string;
  /** The whole answer as a non-streamed body, for the cache; undefined when it cannot be kept. */
  body: AnswerBody | undefined;
}

/**
 * What a chat has sent its socket so far: its text and thoughts (for the socket's history) and
 * whether anything went out at all. A route may try its next step only while nothing has.
 */
export class ChatOutput {
  content = "";
  reasoning = "";
  started = false;

  constructor(private readonly gen: Pick<ChatGeneration, "ledger" | "send">) {}

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
