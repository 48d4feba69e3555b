import { describe, expect, it } from "vitest";
import { findPreset, presetCatalogue } from "./preset-catalogue.js";
import { nearNames } from "@lantern/shared/model-files";

describe("preset catalogue", () => {
  it("holds the presets users ask for, every one a GGUF file with a real or absent digest", () => {
    const names = presetCatalogue().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["stories260k", "qwen2.5-0.5b-instruct", "gemma-3-4b-it", "dictalm-3.0-24b-thinking", "llama-3.2-1b-instruct"]));
    const stories = findPreset("stories260k");
    expect(stories.found && stories.preset).toMatchObject({
      repo: "ggml-org/models",
      file: "tinyllamas/stories260K.gguf",
      sha256: "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d",
      digestVerified: true,
    });
    const dicta = findPreset("DictaLM-3.0-24B-Thinking");
    expect(dicta.found && dicta.preset.sha256).toBe("41353ca50fb02be915a7924c0e98061b8657f685c6fcb9a25c522a682cb77732");
    // Only digests checked here may claim to be verified.
    expect(presetCatalogue().filter((p) => p.digestVerified).map((p) => p.name)).toEqual(["stories260k"]);
  });

  it("answers an unknown name with the closest preset names", () => {
    expect(findPreset("qwen-0.5b")).toEqual({ found: false, nearMatches: ["qwen2.5-0.5b-instruct"] });
    expect(findPreset("mistral")).toEqual({ found: false, nearMatches: [] });
    expect(findPreset("qwen2.5-0.5b")).toMatchObject({ found: false, nearMatches: ["qwen2.5-0.5b-instruct"] });
    expect(findPreset("llama-3.2-1b-instrut")).toMatchObject({ found: false, nearMatches: ["llama-3.2-1b-instruct", "llama-3.2-3b-instruct"] });
    expect(findPreset("gemma")).toMatchObject({ found: false, nearMatches: ["gemma-3-4b-it"] });
  });

  it("ranks near matches by closeness and leaves out what is far", () => {
    expect(nearNames("model-q4_k_m.gguf", ["model-Q4_K_M.gguf", "model-q8_0.gguf", "other.gguf"])).toEqual(["model-Q4_K_M.gguf", "model-q8_0.gguf"]);
    expect(nearNames("zzz", ["model.gguf"])).toEqual([]);
  });
});
