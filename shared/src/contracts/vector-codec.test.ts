import { describe, expect, it } from "vitest";
import { decodeVector, encodedVectorLength, encodeVector } from "./vector-codec.js";

describe("vector codec", () => {
  it("writes little-endian float32, as OpenAI's base64 embeddings", () => {
    const bytes = Buffer.from(encodeVector([1, -2.5]), "base64");
    expect([...bytes]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  });

  it("reads back exactly the float32 values written", () => {
    const values = [0.1, -0.7071067811865476, 3e-8, 123.456, 0];
    expect(decodeVector(encodeVector(values))).toEqual(values.map(Math.fround));
  });

  it("knows the encoded length in advance", () => {
    for (const n of [1, 2, 3, 64, 4096]) expect(encodeVector(Array(n).fill(0.5)).length).toBe(encodedVectorLength(n));
  });

  it("refuses bytes that are not whole float32 values", () => {
    expect(() => decodeVector(Buffer.from([1, 2, 3]).toString("base64"))).toThrow(/3 bytes/);
  });
});
