/** A piece of the arguments (JSON text) of the reply's `index`-th call. */
export interface ToolCallPiece {
  index: number;
  name: string;
  arguments: string;
}

/**
 * Streams the arguments of a reply's function calls as the model writes them. The grammar lets
 * whitespace surround the JSON (and ends it with newlines), so whitespace at the start of a call
 * is dropped and whitespace at the end of what came so far is held back until more JSON follows:
 * the pieces of a call concatenate to its exact arguments. A call whose function takes no
 * arguments gets `{}`.
 */
export class ToolCallStream {
  private index = 0;
  private started = false;
  private held = "";

  constructor(private readonly emit: (piece: ToolCallPiece) => void) {}

  /** A piece of the current call's arguments as generated. */
  arguments(name: string, text: string): void {
    const body = this.held + (this.started ? text : text.trimStart());
    const visible = body.trimEnd();
    this.held = body.slice(visible.length);
    if (!visible) return;
    this.started = true;
    this.emit({ index: this.index, name, arguments: visible });
  }

  /** The current call is complete; the next pieces belong to the next call. */
  callEnded(name: string, params: unknown): void {
    if (!this.started) this.emit({ index: this.index, name, arguments: JSON.stringify(params ?? {}) });
    this.index++;
    this.started = false;
    this.held = "";
  }

  /** How many calls were completed. */
  get calls(): number {
    return this.index;
  }
}
