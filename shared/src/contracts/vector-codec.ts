/**
 * Embedding vectors on the wire: little-endian float32, base64. The same bytes OpenAI sends for
 * `encoding_format: "base64"`, so the gateway can pass them on untouched.
 */

export function encodeVector(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function decodeVector(base64: string): number[] {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length % 4 !== 0) throw new Error(`a float32 vector cannot be ${bytes.length} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Array<number>(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** Bytes of the base64 text `encodeVector` makes for a vector of `dimensions` values. */
export function encodedVectorLength(dimensions: number): number {
  return Math.ceil((dimensions * 4) / 3) * 4;
}
