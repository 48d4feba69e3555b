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
