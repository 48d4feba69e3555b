/**
 * Finds OpenAI `stop` strings in streamed text. Matching is done here on the decoded text rather
 * than by node-llama-cpp's token-level triggers, which miss stops that start with a space on
 * SentencePiece vocabularies (a token decoded alone loses its leading space).
 *
 * Text that could still be the start of a stop string is held back until it is decided.
 */
export class StopSequenceMatcher {
  private pending = "";
  private readonly longest: number;
  stopped = false;
  /** The stop string that ended the text, once one did. */
  matched: string | undefined;

  constructor(private readonly stops: readonly string[]) {
    this.longest = stops.reduce((max, s) => Math.max(max, s.length), 0);
  }

  /** Takes the next piece of text; returns what can be shown now. */
  push(text: string): string {
    if (this.stopped) return "";
    if (this.longest === 0) return text;
    this.pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at !== -1 && (cut === -1 || at < cut)) {
        cut = at;
        this.matched = stop;
      }
    }
    if (cut !== -1) {
      this.stopped = true;
      const out = this.pending.slice(0, cut);
      this.pending = "";
      return out;
    }
    const keep = this.heldBackLength();
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return out;
  }

  /** At the end of generation: whatever was held back is plain text after all. */
  flush(): string {
    const out = this.stopped ? "" : this.pending;
    this.pending = "";
    return out;
  }

  /** Length of the longest tail of `pending` that is a proper prefix of some stop string. */
  private heldBackLength(): number {
    const max = Math.min(this.pending.length, this.longest - 1);
    for (let len = max; len > 0; len--) {
      const tail = this.pending.slice(this.pending.length - len);
      if (this.stops.some((s) => s.startsWith(tail))) return len;
    }
    return 0;
  }
}
