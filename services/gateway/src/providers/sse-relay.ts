import type { ServerResponse } from "node:http";
import type { TokenUsage } from "@lantern/shared/contracts";
import { tokenUsageOf } from "./openai-usage.js";
import { SseEventCutter } from "./sse-events.js";

const EVENT_END_LF = Buffer.from("\n\n");
/** A usage object, not the `"usage":null` most chunks carry once usage was asked for. */
const USAGE_OBJECT = [Buffer.from('"usage":{'), Buffer.from('"usage": {')];
/** A chunk that carries generated output (not the opening role chunk with empty content). */
const OUTPUT = /"(?:content|text|reasoning_content)":\s?"[^"]|"(?:tool_calls|function_call)":\s?[[{]/;

interface SseRelayHooks {
  /** The client asked for the usage chunk (`stream_options.include_usage`); otherwise it is cut out. */
  keepUsage: boolean;
  onFirstOutput(): void;
  /** Every event's data as it passes, for those who keep the whole answer. */
  onData?: ((payload: string) => void) | undefined;
  /** The largest event taken; a larger one makes `push` throw SseEventTooLargeError. */
  maxEventBytes: number;
}

const hasUsageObject = (events: Buffer) => USAGE_OBJECT.some((pattern) => events.includes(pattern));

/** The data of one event (its `data:` lines joined), or undefined for a comment-only event. */
export function dataOf(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Passes an upstream's server-sent events on to the client as they come, whole events only (a
 * partial one waits for its end), bytes untouched on the common path. It looks inside only to
 * see the first output and the usage chunk, which it cuts out when the client did not ask for it.
 */
export class SseRelay {
  private readonly events: SseEventCutter;
  private outputSeen = false;
  /** The last usage the upstream reported. */
  usage: TokenUsage | undefined;

  constructor(
    private readonly out: ServerResponse,
    private readonly hooks: SseRelayHooks,
  ) {
    this.events = new SseEventCutter(hooks.maxEventBytes);
  }

  /** Relays the complete events so far; false when the client's side is full (wait for `drain`). */
  push(chunk: Buffer): boolean {
    const complete = this.events.push(chunk);
    return complete ? this.write(complete) : true;
  }

  /** Relays what is left after the upstream ended (an event without its closing blank line). */
  finish(): void {
    const rest = this.events.rest();
    if (rest) this.write(Buffer.concat([rest, EVENT_END_LF]));
  }

  private write(events: Buffer): boolean {
    if (this.out.destroyed) return true;
    const usageInside = hasUsageObject(events);
    if (this.outputSeen && !usageInside && !this.hooks.onData) return this.out.write(events);
    const text = events.toString("utf8");
    if (!this.outputSeen && OUTPUT.test(text)) {
      this.outputSeen = true;
      this.hooks.onFirstOutput();
    }
    if (!usageInside && !this.hooks.onData) return this.out.write(events);
    return this.out.write(this.inspect(text, usageInside) ?? events);
  }

  /** Reads each event's data; returns the events rewritten when a usage chunk had to be cut. */
  private inspect(text: string, usageInside: boolean): string | undefined {
    let kept = "";
    let cut = false;
    for (const event of text.split(/\r?\n\r?\n/)) {
      if (!event) continue;
      const data = dataOf(event);
      if (data === undefined || data === "[DONE]") {
        kept += `${event}\n\n`;
        continue;
      }
      this.hooks.onData?.(data);
      if (!usageInside || !hasUsageObject(Buffer.from(data))) {
        kept += `${event}\n\n`;
        continue;
      }
      let chunk: { choices?: unknown[]; usage?: unknown };
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        kept += `${event}\n\n`;
        continue;
      }
      this.usage = tokenUsageOf(chunk.usage);
      if (this.hooks.keepUsage) {
        kept += `${event}\n\n`;
        continue;
      }
      cut = true;
      // A usage chunk that also carries choices (llama-server's last one) keeps them.
      if (Array.isArray(chunk.choices) && chunk.choices.length > 0) {
        delete chunk.usage;
        kept += `data: ${JSON.stringify(chunk)}\n\n`;
      }
    }
    return cut ? kept : undefined;
  }
}
