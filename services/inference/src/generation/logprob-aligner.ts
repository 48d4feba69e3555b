import type { TokenLogprob } from "@lantern/shared/contracts";

export interface AlignedText {
  text: string;
  /** Entries whose texts join to exactly `text`. */
  logprobs: TokenLogprob[];
}

/**
 * Keeps token log probabilities in step with the text a client is shown. Stop matching holds
 * text back and cuts it, so an entry is released only with the visible text that completes its
 * token, and every released piece is exactly the join of its entries. That alignment is what
 * lets a receiver skip, after a redelivery, the entries of text it already has.
 */
export class LogprobAligner {
  private entries: TokenLogprob[] = [];
  private visible = "";

  /** Entries of generated tokens, in order, before their text goes through stop matching. */
  add(entries: readonly TokenLogprob[]): void {
    this.entries.push(...entries);
  }

  /** Takes newly visible text; returns what of it (and of text held before) ends on a token boundary. */
  take(text: string): AlignedText {
    this.visible += text;
    let used = 0;
    let releasedText = 0;
    let released = 0;
    for (let i = 0; i < this.entries.length; i++) {
      const length = this.entries[i]!.token.length;
      if (used + length > this.visible.length) break;
      used += length;
      // Empty entries (leading tokens of a split character) go with the token that completes it.
      if (length > 0) {
        releasedText = used;
        released = i + 1;
      }
    }
    return this.release(released, releasedText);
  }

  /**
   * At the end: visible text still held ends inside a token whose rest was a stop text; that
   * token is reported with the part shown. Entries of text never shown are dropped.
   */
  finish(): AlignedText {
    const whole = this.take("");
    const rest = this.visible;
    const entries = this.entries;
    this.visible = "";
    this.entries = [];
    if (!rest) return whole;
    // What is left is shorter than the next token's text (take released every token that fits).
    const logprobs = [...whole.logprobs];
    for (const entry of entries) {
      logprobs.push(entry.token.length === 0 ? entry : { ...entry, token: rest });
      if (entry.token.length > 0) break;
    }
    return { text: whole.text + rest, logprobs };
  }

  private release(count: number, length: number): AlignedText {
    if (count === 0) return { text: "", logprobs: [] };
    const text = this.visible.slice(0, length);
    this.visible = this.visible.slice(length);
    return { text, logprobs: this.entries.splice(0, count) };
  }
}
