import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { batchSizeFor, contextShares, evaluationSettings, modelHeadSize } from "./context-layout.js";

describe("how contexts evaluate", () => {
  const auto = { flashAttention: "auto", batchSize: 0 } as const;

  it("turns flash attention off, with batches of 128, on the CPU for head sizes its kernel runs slowly", () => {
    expect(evaluationSettings("cpu", auto, 8)).toEqual({ flashAttention: false, batchSize: 128 });
    expect(evaluationSettings("cpu", auto, 128)).toEqual({ flashAttention: undefined, batchSize: undefined });
    expect(evaluationSettings("cuda", auto, 8)).toEqual({ flashAttention: undefined, batchSize: undefined });
  });

  it("takes the worker's overrides on any backend", () => {
    expect(evaluationSettings("cpu", { flashAttention: "on", batchSize: 1024 }, 8)).toEqual({ flashAttention: true, batchSize: 1024 });
    expect(evaluationSettings("vulkan", { flashAttention: "off", batchSize: 0 }, 128)).toEqual({ flashAttention: false, batchSize: undefined });
  });

  it("reads the bundled model's head size from its header", async () => {
    expect(await modelHeadSize(fileURLToPath(new URL("../../../../models/stories260K.gguf", import.meta.url)))).toBe(8);
    expect(await modelHeadSize(fileURLToPath(import.meta.url))).toBeUndefined();
  });

  it("never gives a context a batch larger than its cells, nor smaller than its sequences", () => {
    expect(batchSizeFor({ batchSize: 256 }, 128, 1)).toBe(128);
    expect(batchSizeFor({}, 4096, 2)).toBe(512);
    expect(batchSizeFor({ batchSize: 4 }, 1024, 8)).toBe(8);
  });

  it("spreads slots over contexts, largest first", () => {
    expect(contextShares(5, 2)).toEqual([3, 2]);
    expect(contextShares(2, 8)).toEqual([1, 1]);
  });
});
