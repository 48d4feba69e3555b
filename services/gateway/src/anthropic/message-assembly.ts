import { createHash } from "node:crypto";
import type {
  AnthropicMessageResponse,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
  FinishReason,
  TokenUsage,
} from "@lantern/shared/contracts";
import type { ChoiceResult } from "../openai/response-shapes.js";

/** A piece of one of the reply's function calls; `index` is the call's place in the reply. */
export interface CallPiece {
  index: number;
  name: string;
  arguments: string;
}

/** Anthropic counts cached prompt tokens apart from the ones evaluated. */
export function anthropicUsage(usage: TokenUsage): AnthropicUsage {
  const cached = usage.cachedTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - cached),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

export function stopReasonOf(finish: FinishReason, stopSequence: string | undefined): AnthropicStopReason {
  if (finish === "length") return "max_tokens";
  if (finish === "tool_calls") return "tool_use";
  return stopSequence !== undefined ? "stop_sequence" : "end_turn";
}

/** A call's input object from its arguments' JSON text (calls are generated under their schema's grammar). */
function inputOf(args: string): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(args || "{}");
    return input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type OpenBlock = { type: "text" | "thinking" } | { type: "tool_use"; call: number };

/**
 * Builds one Anthropic message from the pieces of a reply as they come (thoughts, text, pieces of
 * calls), whoever produced them: the fleet, a cached answer or an upstream. Each piece is also
 * handed to `emit` as the stream event Anthropic would send, in Anthropic's order, so a stream
 * and a whole body are the same answer.
 */
export class MessageAssembly {
  private readonly blocks: AnthropicResponseBlock[] = [];
  /** Which call each tool_use block holds, by block index. */
  private readonly blockCalls = new Map<number, number>();
  private open: OpenBlock | undefined;
  private finishReason: FinishReason = "stop";
  private stopSequence: string | undefined;
  /** The reply as OpenAI's chat body holds it (what the cache keeps). */
  private readonly choice: ChoiceResult = { text: "", reasoning: "", toolCalls: [], finishReason: "stop", logprobs: undefined };

  constructor(
    /** `omitThinking`: the client turned thinking off; what a template thinks regardless is left out. */
    private readonly head: { id: string; model: string; omitThinking?: boolean | undefined },
    private readonly emit: (event: AnthropicStreamEvent) => void = () => {},
  ) {}

  /** `message_start` (with the prompt's size when known) and a first `ping`. */
  start(promptTokens = 0): void {
    this.emit({ type: "message_start", message: this.message({ promptTokens, completionTokens: 0 }, null) });
    this.emit({ type: "ping" });
  }

  thinking(text: string): void {
    if (!text || this.head.omitThinking) return;
    const block = this.into({ type: "thinking" }, () => ({ type: "thinking", thinking: "", signature: "" }));
    if (block.type === "thinking") block.thinking += text;
    this.choice.reasoning += text;
    this.emit({ type: "content_block_delta", index: this.blocks.length - 1, delta: { type: "thinking_delta", thinking: text } });
  }

  text(text: string): void {
    if (!text) return;
    const block = this.into({ type: "text" }, () => ({ type: "text", text: "" }));
    if (block.type === "text") block.text += text;
    this.choice.text += text;
    this.emit({ type: "content_block_delta", index: this.blocks.length - 1, delta: { type: "text_delta", text } });
  }

  toolCall(piece: CallPiece): void {
    this.into({ type: "tool_use", call: piece.index }, () => ({ type: "tool_use", id: this.toolUseId(piece.index), name: piece.name, input: {} }));
    const known = this.choice.toolCalls.find((call) => call.index === piece.index);
    if (known) known.arguments += piece.arguments;
    else this.choice.toolCalls.push({ ...piece });
    if (piece.arguments) {
      this.emit({ type: "content_block_delta", index: this.blocks.length - 1, delta: { type: "input_json_delta", partial_json: piece.arguments } });
    }
  }

  finish(finishReason: FinishReason, stopSequence?: string): void {
    this.finishReason = finishReason;
    this.stopSequence = stopSequence;
    this.choice.finishReason = finishReason;
  }

  /** Closes the last block, sends `message_delta` with how it ended and its usage, then `message_stop`; the whole message. */
  end(usage: TokenUsage): AnthropicMessageResponse {
    this.close();
    const reason = stopReasonOf(this.finishReason, this.stopSequence);
    this.emit({ type: "message_delta", delta: { stop_reason: reason, stop_sequence: this.stopSequence ?? null }, usage: anthropicUsage(usage) });
    this.emit({ type: "message_stop" });
    return this.message(usage, reason);
  }

  /** The reply as one choice of an OpenAI chat body, and the stop string that ended it. */
  get chatChoice(): { choice: ChoiceResult; stopSequence: string | undefined } {
    return { choice: this.choice, stopSequence: this.stopSequence };
  }

  private message(usage: TokenUsage, reason: AnthropicStopReason | null): AnthropicMessageResponse {
    const content = this.blocks.map((block, index) => {
      if (block.type !== "tool_use") return { ...block };
      const call = this.choice.toolCalls.find((c) => c.index === this.blockCalls.get(index));
      return { ...block, input: inputOf(call?.arguments ?? "") };
    });
    return {
      id: this.head.id,
      type: "message",
      role: "assistant",
      model: this.head.model,
      content: reason === null ? [] : content,
      stop_reason: reason,
      stop_sequence: reason === null ? null : (this.stopSequence ?? null),
      usage: anthropicUsage(usage),
    };
  }

  /** The block the next piece goes in: the open one when it is of the same kind, else a new one. */
  private into(wanted: OpenBlock, create: () => AnthropicResponseBlock): AnthropicResponseBlock {
    const open = this.open;
    const same = open?.type === wanted.type && (open.type !== "tool_use" || (wanted.type === "tool_use" && open.call === wanted.call));
    if (!same) {
      this.close();
      const block = create();
      this.blocks.push(block);
      this.open = wanted;
      if (wanted.type === "tool_use") this.blockCalls.set(this.blocks.length - 1, wanted.call);
      this.emit({ type: "content_block_start", index: this.blocks.length - 1, content_block: { ...block } });
    }
    return this.blocks.at(-1)!;
  }

  private close(): void {
    if (!this.open) return;
    this.open = undefined;
    this.emit({ type: "content_block_stop", index: this.blocks.length - 1 });
  }

  /** Made from the message's id, so every rendering of the same answer names each call alike. */
  private toolUseId(call: number): string {
    return `toolu_${createHash("sha256").update(`${this.head.id}:${call}`).digest("base64url").slice(0, 24)}`;
  }
}
