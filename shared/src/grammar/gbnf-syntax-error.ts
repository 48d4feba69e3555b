/** A GBNF grammar that llama.cpp would refuse, with the 1-based line and column of the cause. */
export class GbnfSyntaxError extends Error {
  override readonly name = "GbnfSyntaxError";
  /** The message without its `line L, column C:` prefix. */
  readonly reason: string;

  constructor(
    reason: string,
    readonly line: number,
    readonly column: number,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}, column ${column}: ${reason}`, options);
    this.reason = reason;
  }
}
