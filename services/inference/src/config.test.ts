import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "@lantern/shared/config";
import { defaultContexts, defaultThreads, loadInferenceConfig } from "./config.js";

describe("inference config", () => {
  it("serves the bundled model on the detected backend when nothing is set", () => {
    const config = loadInferenceConfig({});
    expect(config.INFERENCE_MODELS).toEqual([{ name: "stories260K", file: "stories260K.gguf" }]);
    expect(config.INFERENCE_SLOTS).toBe(8);
    expect(config.INFERENCE_GPU).toBe("auto");
    expect(config.INFERENCE_CONTEXTS).toBe(0);
  });

  it("spreads CPU slots over a context each only with one thread; GPUs share one context", () => {
    expect(defaultContexts("cpu", 1, 8)).toBe(8);
    expect(defaultContexts("cpu", 6, 8)).toBe(1);
    expect(defaultContexts("cuda", 1, 8)).toBe(1);
  });

  it("reads several models, named or not", () => {
    const config = loadInferenceConfig({ INFERENCE_MODELS: "tiny=stories260K.gguf, sub/other.gguf" });
    expect(config.INFERENCE_MODELS).toEqual([
      { name: "tiny", file: "stories260K.gguf" },
      { name: "other", file: "sub/other.gguf" },
    ]);
  });

  it("gives each model its own options, the rest from the worker's defaults", () => {
    const config = loadInferenceConfig({
      INFERENCE_MODELS: "chat=qwen.gguf?slots=4&context=4096&gpuLayers=auto&idleUnloadMs=60000, tiny=stories260K.gguf?gpuLayers=0&contexts=2",
      INFERENCE_SLOTS: "3",
    });
    expect(config.INFERENCE_MODELS).toEqual([
      { name: "chat", file: "qwen.gguf", slots: 4, contextSize: 4096, gpuLayers: "auto", idleUnloadMs: 60000 },
      { name: "tiny", file: "stories260K.gguf", gpuLayers: 0, contexts: 2 },
    ]);
    expect(config.INFERENCE_SLOTS).toBe(3);
    expect(config.INFERENCE_GPU_LAYERS).toBe("auto");
    expect(config.INFERENCE_MEMORY_LIMIT).toBeNull();
    expect(config.INFERENCE_IDLE_UNLOAD_MS).toBe(0);
  });

  it.each([
    ["chat=qwen.gguf?slots=lots", "option 'slots' must be a whole number"],
    ["chat=qwen.gguf?slot=4", "unknown option 'slot'"],
    ["chat=qwen.gguf?slots=0", "slots"],
    ["chat=qwen.gguf?gpuLayers=max", "option 'gpuLayers' must be a whole number or auto"],
    ["chat=qwen.bin", "must name a .gguf file"],
    ["=qwen.gguf", "name"],
  ])("refuses the entry %j, naming it", (entry, why) => {
    let error: unknown;
    try {
      loadInferenceConfig({ INFERENCE_MODELS: `ok=stories260K.gguf,${entry}` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("INFERENCE_MODELS");
    expect(message).toContain(JSON.stringify(entry));
    expect(message).toContain(why);
    expect(message).not.toContain('"ok=stories260K.gguf"');
  });

  it("refuses two models of one name", () => {
    expect(() => loadInferenceConfig({ INFERENCE_MODELS: "a=x.gguf,a=y.gguf" })).toThrow(/"a" is used twice/);
  });

  it("reads a memory limit in bytes or with a unit", () => {
    expect(loadInferenceConfig({ INFERENCE_MEMORY_LIMIT: "8GiB" }).INFERENCE_MEMORY_LIMIT).toBe(8 * 2 ** 30);
    expect(loadInferenceConfig({ INFERENCE_MEMORY_LIMIT: "1048576" }).INFERENCE_MEMORY_LIMIT).toBe(1048576);
    expect(() => loadInferenceConfig({ INFERENCE_MEMORY_LIMIT: "a lot" })).toThrow(/INFERENCE_MEMORY_LIMIT/);
  });

  it("reads models from a JSON file beside INFERENCE_MODELS", () => {
    const dir = mkdtempSync(join(tmpdir(), "lantern-models-"));
    try {
      const file = join(dir, "models.json");
      writeFileSync(file, JSON.stringify([{ name: "story", file: "stories260K.gguf", slots: 2, idleUnloadMs: 1000 }]));
      expect(loadInferenceConfig({ INFERENCE_MODELS_FILE: file }).INFERENCE_MODELS).toEqual([
        { name: "story", file: "stories260K.gguf", slots: 2, idleUnloadMs: 1000 },
      ]);
      expect(loadInferenceConfig({ INFERENCE_MODELS_FILE: file, INFERENCE_MODELS: "b=b.gguf" }).INFERENCE_MODELS.map((m) => m.name)).toEqual([
        "b",
        "story",
      ]);
      writeFileSync(file, JSON.stringify([{ name: "story", file: "stories260K.gguf", slots: "two" }]));
      expect(() => loadInferenceConfig({ INFERENCE_MODELS_FILE: file })).toThrow(/INFERENCE_MODELS_FILE: .*0\.slots/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      loadInferenceConfig({ INFERENCE_SLOTS: "lots", INFERENCE_MODELS: "model.bin", INFERENCE_GPU: "tpu" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["INFERENCE_SLOTS", "INFERENCE_MODELS", "INFERENCE_GPU"]) expect(message).toContain(name);
  });

  it("uses one llama.cpp thread on small CPUs and leaves two cores free on big ones", () => {
    expect(defaultThreads(2)).toBe(1);
    expect(defaultThreads(4)).toBe(1);
    expect(defaultThreads(16)).toBe(14);
  });
});
