import { createHash } from "node:crypto";
import type { FinishReason } from "@lantern/shared/contracts";
import type { Json } from "./response-object.js";

/** A streamed event without its `sequence_number` (the writer numbers them). */
export type ResponsesEvent = Json & { type: string };

/** A piece of a function call as the fleet streams it: `first` opens the call. */
export interface CallPiece {
  index: number;
  name: string;
  arguments: string;
  first: boolean;
}

type Open =
  | { kind: "message"; at: number; item: Json & { content: Array<{ text: string }> } }
  | { kind: "reasoning"; at: number; item: Json & { content: Array<{ text: string }> } }
  | { kind: "function_call"; at: number; index: number; item: Json & { name: string; arguments: string } };

const emptyText = () => ({ type: "output_text", text: "", annotations: [], logprobs: [] });

/**
 * Builds a response's output items from the answer's pieces (text, thoughts, call arguments) in
 * the order they come, and tells each step as OpenAI's streamed events: an item is added, its
 * content grows by deltas, and it is done when the next kind of piece (or the end) comes.
 */
export class OutputAssembler {
  readonly output: Json[] = [];
  private open: Open | undefined;
  private readonly calls = new Map<number, Json & { arguments: string }>();

  constructor(
    private readonly responseId: string,
    private readonly emit: (event: ResponsesEvent) => void = () => {},
  ) {}

  get text(): string {
    return this.output.flatMap((item) => (item.type === "message" ? (item.content as Array<{ text: string }>) : [])).map((p) => p.text).join("");
  }

  private id(prefix: string, at: number): string {
    return `${prefix}_${createHash("sha256").update(`${this.responseId}:output:${at}`).digest("hex").slice(0, 32)}`;
  }

  private add(item: Json): number {
    this.close("completed");
    const at = this.output.length;
    this.output.push(item);
    this.emit({ type: "response.output_item.added", output_index: at, item: structuredClone(item) });
    return at;
  }

  textDelta(delta: string): void {
    if (!delta) return;
    if (this.open?.kind !== "message") {
      const item = { id: "", type: "message", status: "in_progress", role: "assistant", content: [] as Array<ReturnType<typeof emptyText>> };
      item.id = this.id("msg", this.output.length);
      const at = this.add(item);
      item.content.push(emptyText());
      this.emit({ type: "response.content_part.added", item_id: item.id, output_index: at, content_index: 0, part: emptyText() });
      this.open = { kind: "message", at, item };
    }
    const { at, item } = this.open;
    item.content[0]!.text += delta;
    this.emit({ type: "response.output_text.delta", item_id: item.id, output_index: at, content_index: 0, delta, logprobs: [] });
  }

  reasoningDelta(delta: string): void {
    if (!delta) return;
    if (this.open?.kind !== "reasoning") {
      const item = { id: "", type: "reasoning", status: "in_progress", summary: [], content: [] as Array<{ type: string; text: string }> };
      item.id = this.id("rs", this.output.length);
      const at = this.add(item);
      item.content.push({ type: "reasoning_text", text: "" });
      this.emit({ type: "response.content_part.added", item_id: item.id, output_index: at, content_index: 0, part: { type: "reasoning_text", text: "" } });
      this.open = { kind: "reasoning", at, item };
    }
    const { at, item } = this.open;
    item.content[0]!.text += delta;
    this.emit({ type: "response.reasoning_text.delta", item_id: item.id, output_index: at, content_index: 0, delta });
  }

  /** `callId` when the answer named the call (an upstream's or a kept answer's); otherwise one is made. */
  callPiece(piece: CallPiece, callId?: string): void {
    const known = this.calls.get(piece.index);
    if (known && !(this.open?.kind === "function_call" && this.open.index === piece.index)) {
      // A piece of a call already closed: it joins the item without events of its own.
      known.arguments += piece.arguments;
      return;
    }
    if (!known) {
      const item = { id: "", type: "function_call", status: "in_progress", call_id: callId ?? this.id("call", this.output.length), name: piece.name, arguments: "" };
      item.id = this.id("fc", this.output.length);
      const at = this.add(item);
      this.calls.set(piece.index, item);
      this.open = { kind: "function_call", at, index: piece.index, item };
    }
    if (!piece.arguments) return;
    const open = this.open as Extract<Open, { kind: "function_call" }>;
    open.item.arguments += piece.arguments;
    this.emit({ type: "response.function_call_arguments.delta", item_id: open.item.id, output_index: open.at, delta: piece.arguments });
  }

  /** Closes the last item; a reply cut at its token limit leaves it incomplete. */
  finish(reason: FinishReason): void {
    this.close(reason === "length" ? "incomplete" : "completed");
  }

  private close(status: "completed" | "incomplete"): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const { at, item } = open;
    const id = item.id as string;
    if (open.kind === "function_call") {
      this.emit({ type: "response.function_call_arguments.done", item_id: id, output_index: at, name: open.item.name, arguments: open.item.arguments });
    } else {
      const part = open.item.content[0]!;
      const done = open.kind === "message" ? "response.output_text.done" : "response.reasoning_text.done";
      this.emit({ type: done, item_id: id, output_index: at, content_index: 0, text: part.text, ...(open.kind === "message" ? { logprobs: [] } : {}) });
      this.emit({ type: "response.content_part.done", item_id: id, output_index: at, content_index: 0, part: structuredClone(part) });
    }
    item.status = status;
    this.emit({ type: "response.output_item.done", output_index: at, item: structuredClone(item) });
  }
}
