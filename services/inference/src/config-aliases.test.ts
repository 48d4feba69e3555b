import { describe, expect, it } from "vitest";
import { loadInferenceConfig } from "./config.js";

describe("BricksLLM's environment names", () => {
  it("set the same settings where Lantern's are unset", () => {
    const config = loadInferenceConfig({ CONTEXT_SIZE: "8192", N_GPU_LAYERS: "99", SYSTEM_PROMPT: "You are DictaLM.", HF_FILE: "dictalm.gguf" });
    expect(config.INFERENCE_CONTEXT_SIZE).toBe(8192);
    expect(config.INFERENCE_GPU_LAYERS).toBe(99);
    expect(config.INFERENCE_SYSTEM_PROMPT).toBe("You are DictaLM.");
    expect(config.INFERENCE_MODELS).toEqual([{ name: "dictalm", file: "dictalm.gguf" }]);
  });

  it("give way to Lantern's own names", () => {
    const config = loadInferenceConfig({ CONTEXT_SIZE: "8192", INFERENCE_CONTEXT_SIZE: "2048", N_GPU_LAYERS: "99", INFERENCE_GPU_LAYERS: "auto" });
    expect(config.INFERENCE_CONTEXT_SIZE).toBe(2048);
    expect(config.INFERENCE_GPU_LAYERS).toBe("auto");
    expect(loadInferenceConfig({}).INFERENCE_SYSTEM_PROMPT).toBe("");
  });
});
