import { isLlamaText, LlamaText, type ChatWrapperSettings, type LlamaChatResponseChunk } from "node-llama-cpp";
import { StopSequenceMatcher } from "./stop-sequences.js";

/** The texts a template writes around a thought segment, for replies that keep thoughts inline. */
export interface ThoughtTags {
  open: string;
  close: string;
}

/** The template's thought tags as text; a segment the template opens in the prompt itself has no opening tag to show. */
export function thoughtTagsOf(settings: ChatWrapperSettings): ThoughtTags | undefined {
  const thought = settings.segments?.thought;
  if (!thought) return undefined;
  const text = (value: typeof thought.prefix | undefined) =>
    typeof value === "string" ? value : value !== undefined && isLlamaText(value) ? LlamaText(value).toString() : "";
  return { open: text(thought.prefix), close: text(thought.suffix) };
}

interface ReplyChannelsOptions {
  /** The request's stop strings; they end the reply's text (thoughts kept apart are not searched). */
  stop: readonly string[];
  /** Set: thoughts stay in the text between these tags; unset: they go to `onReasoning`. */
  inlineThoughts: ThoughtTags | undefined;
  onText(text: string): void;
  onReasoning(text: string): void;
}

/**
 * Sorts LlamaChat's response chunks into the reply's text and its thoughts. Text inside a
 * thought segment is reasoning unless the request keeps it inline; other segments (such as
 * gpt-oss commentary) are part of the text.
 */
export class ReplyChannels {
  private readonly stops: StopSequenceMatcher;

  constructor(private readonly opts: ReplyChannelsOptions) {
    this.stops = new StopSequenceMatcher(opts.stop);
  }

  /** A stop string was found: generation should end. */
  get stopped(): boolean {
    return this.stops.stopped;
  }

  /** The stop string that ended the reply, if one did. */
  get stopSequence(): string | undefined {
    return this.stops.matched;
  }

  push(chunk: LlamaChatResponseChunk): void {
    if (chunk.type !== "segment" || chunk.segmentType !== "thought") {
      this.text(chunk.text);
      return;
    }
    const tags = this.opts.inlineThoughts;
    if (!tags) {
      if (chunk.text) this.opts.onReasoning(chunk.text);
      return;
    }
    this.text((chunk.segmentStartTime ? tags.open : "") + chunk.text + (chunk.segmentEndTime ? tags.close : ""));
  }

  /** Text held back as a possible start of a stop string is plain text after all (the reply ended or turned to a call). */
  flush(): void {
    const rest = this.stops.flush();
    if (rest) this.opts.onText(rest);
  }

  private text(text: string): void {
    if (!text) return;
    const visible = this.stops.push(text);
    if (visible) this.opts.onText(visible);
  }
}
