import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getLlama, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryFit } from "@lantern/shared/contracts";
import { estimateFit, fitShortfalls, mostLayersThatFit, type FitRequest } from "./memory-fit.js";
import { ModelLoadError } from "./model-load-error.js";

const bundled = join(fileURLToPath(new URL(".", import.meta.url)), "../../../../models/stories260K.gguf");
let llama: Llama;

beforeAll(async () => {
  llama = await getLlama({ build: "never", gpu: false });
});
afterAll(async () => {
  await llama?.dispose();
});

const request = (over: Partial<FitRequest> = {}): FitRequest => ({
  llama,
  pool: "cpu",
  modelPath: bundled,
  contextSize: 256,
  slots: 1,
  contexts: 1,
  gpuLayers: "auto",
  capBytes: null,
  usedByWorkerBytes: 0,
  ...over,
});
const total = (fit: MemoryFit) => fit.needed.ramBytes + fit.needed.vramBytes;

describe("memory fit of the bundled model", () => {
  it("needs at least its weights, all in RAM on the CPU, and fits this machine", async () => {
    const fit = await estimateFit(request());
    expect(fit.gpuLayers).toBe(0);
    expect(fit.totalLayers).toBeGreaterThan(0);
    expect(fit.needed.vramBytes).toBe(0);
    expect(fit.available.vramBytes).toBeNull();
    expect(fit.needed.ramBytes).toBeGreaterThan(1_000_000); // the file is 1.2 MB of weights
    expect(fit.available.ramBytes).toBeGreaterThan(fit.needed.ramBytes);
    expect(fitShortfalls(fit)).toEqual([]);
  });

  it("grows with the context size and with the slots, and counts a cache per context", async () => {
    const small = total(await estimateFit(request()));
    const longer = total(await estimateFit(request({ contextSize: 2048 })));
    const moreSlots = total(await estimateFit(request({ contextSize: 2048, slots: 4 })));
    const spread = await estimateFit(request({ contextSize: 2048, slots: 4, contexts: 4 }));
    expect(longer).toBeGreaterThan(small);
    expect(moreSlots).toBeGreaterThan(longer);
    expect(spread.contexts).toBe(4);
    expect(total(spread)).toBeGreaterThan(moreSlots);
  });

  it("takes the training context when none is asked for", async () => {
    expect((await estimateFit(request({ contextSize: 0 }))).contextSize).toBe(2048);
  });

  it("is refused under a cap that the worker's other models leave too small, with the numbers", async () => {
    const fit = await estimateFit(request({ capBytes: 4 * 2 ** 20, usedByWorkerBytes: 3 * 2 ** 20 }));
    const [shortfall, ...rest] = fitShortfalls(fit);
    expect(rest).toEqual([]);
    expect(shortfall).toContain(`(${total(fit)} B)`);
    expect(shortfall).toContain("4.0 MiB (4194304 B)");
    expect(shortfall).toContain("3.0 MiB (3145728 B)");
    expect(fitShortfalls({ ...fit, usedByWorkerBytes: 0 })).toEqual([]);
  });

  it("says when RAM or VRAM is short", () => {
    const fit: MemoryFit = {
      gpuLayers: 10,
      totalLayers: 33,
      contextSize: 4096,
      slots: 4,
      contexts: 1,
      needed: { ramBytes: 2_000, vramBytes: 5_000 },
      available: { ramBytes: 1_000, vramBytes: 4_000 },
      capBytes: null,
      usedByWorkerBytes: 0,
    };
    const shortfalls = fitShortfalls(fit);
    expect(shortfalls).toHaveLength(2);
    expect(shortfalls[0]).toContain("RAM");
    expect(shortfalls[1]).toContain("VRAM");
  });

  it("refuses a file that is not a GGUF model", async () => {
    const err = await estimateFit(request({ modelPath: fileURLToPath(import.meta.url) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).code).toBe("invalid_model_file");
  });

  it("offloads as many layers as free VRAM takes, and none when even one does not fit", async () => {
    // 100 MB of buffers plus 50 MB per layer, 33 layers.
    const vramAt = async (layers: number) => 100e6 + 50e6 * layers;
    expect(await mostLayersThatFit(33, 1e12, vramAt)).toBe(33);
    expect(await mostLayersThatFit(33, 100e6 + 50e6 * 20, vramAt)).toBe(20);
    expect(await mostLayersThatFit(33, 100e6 + 50e6 * 20 - 1, vramAt)).toBe(19);
    expect(await mostLayersThatFit(33, 120e6, vramAt)).toBe(0);
    expect(await mostLayersThatFit(33, 0, vramAt)).toBe(0);
    expect(await mostLayersThatFit(0, 1e12, vramAt)).toBe(0);
  });
});
