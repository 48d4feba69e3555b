/** Room for the rest of an `embeddings` reply around its vectors (`{"v":1,"kind":...,"index":N,"vectors":[]}`). */
export const EMBEDDINGS_ENVELOPE_BYTES = 256;

/**
 * Groups encoded vectors into `embeddings` replies that each stay under the NATS max payload, in
 * input order. A vector that cannot fit one message on its own is the caller's to refuse first.
 */
export class VectorBatcher {
  private first = 0;
  private vectors: string[] = [];
  private bytes = EMBEDDINGS_ENVELOPE_BYTES;

  constructor(
    private readonly maxBytes: number,
    private readonly send: (index: number, vectors: string[]) => void,
  ) {}

  /** Adds the vector of input `index`; inputs come in order, one after another. */
  add(index: number, vector: string): void {
    // Base64 needs no escaping: two quotes and a comma.
    const size = vector.length + 3;
    if (EMBEDDINGS_ENVELOPE_BYTES + size > this.maxBytes) {
      throw new Error(`a vector of ${vector.length} bytes cannot fit a message of ${this.maxBytes} bytes`);
    }
    if (this.vectors.length > 0 && this.bytes + size > this.maxBytes) this.flush();
    if (this.vectors.length === 0) this.first = index;
    this.vectors.push(vector);
    this.bytes += size;
  }

  flush(): void {
    if (this.vectors.length === 0) return;
    const vectors = this.vectors;
    this.vectors = [];
    this.bytes = EMBEDDINGS_ENVELOPE_BYTES;
    this.send(this.first, vectors);
  }
}
