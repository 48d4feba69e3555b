import { describe, expect, it } from "vitest";
import { encodeMessage, encodeVector, InferReply } from "@lantern/shared/contracts";
import { EMBEDDINGS_ENVELOPE_BYTES, VectorBatcher } from "./vector-batches.js";

describe("VectorBatcher", () => {
  it("splits vectors into replies that each stay under the limit, and loses none", () => {
    const vectors = Array.from({ length: 50 }, (_, i) => encodeVector(Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j))));
    const maxBytes = 2_000;
    const sent: Array<{ index: number; vectors: string[] }> = [];
    const batcher = new VectorBatcher(maxBytes, (index, group) => sent.push({ index, vectors: group }));
    vectors.forEach((v, i) => batcher.add(i, v));
    batcher.flush();

    expect(sent.length).toBeGreaterThan(1);
    for (const part of sent) {
      // Measured on the message as it goes on the wire, index and all.
      const bytes = encodeMessage(InferReply, { v: 1, kind: "embeddings", index: 10_000, vectors: part.vectors }).length;
      expect(bytes).toBeLessThanOrEqual(maxBytes);
    }
    const joined = sent.flatMap((part) => part.vectors);
    expect(joined).toEqual(vectors);
    let next = 0;
    for (const part of sent) {
      expect(part.index).toBe(next);
      next += part.vectors.length;
    }
  });

  it("sends everything in one reply when it fits, and nothing when there is nothing", () => {
    const sent: number[] = [];
    const batcher = new VectorBatcher(1024 * 1024, (_index, group) => sent.push(group.length));
    batcher.flush();
    for (let i = 0; i < 10; i++) batcher.add(i, encodeVector([i, i + 1]));
    batcher.flush();
    expect(sent).toEqual([10]);
  });

  it("refuses a vector that no message could carry", () => {
    const batcher = new VectorBatcher(EMBEDDINGS_ENVELOPE_BYTES + 10, () => {});
    expect(() => batcher.add(0, encodeVector(Array(64).fill(1)))).toThrow(/cannot fit/);
  });
});
