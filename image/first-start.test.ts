// first-start.sh: the data volume's first start gets the bundled models and the default config; a
// volume that has its own keeps them.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMAGE_DIR, fakeRoot, type FakeRoot } from "./shell-harness.js";

let root: FakeRoot;
beforeEach(() => {
  root = fakeRoot();
  root.file("default-models/stories260K.gguf", "GGUF bundled");
  root.file("default-models/README.md", "not a model");
});
afterEach(() => root.remove());

describe("first-start.sh", () => {
  it("copies the default models into an empty volume and writes the default config", async () => {
    const { code, stderr } = await root.run("first-start.sh");
    expect(code).toBe(0);
    expect(readdirSync(join(root.data, "models"))).toEqual(["stories260K.gguf"]);
    expect(readFileSync(join(root.data, "models", "stories260K.gguf"), "utf8")).toBe("GGUF bundled");
    expect(readFileSync(join(root.data, "lantern.env"), "utf8")).toBe(readFileSync(join(IMAGE_DIR, "lantern.env"), "utf8"));
    expect(stderr).toContain("copied the default model stories260K.gguf");
    expect(stderr).toContain("wrote the default config");
  });

  it("leaves a volume that has a model and a config as it is", async () => {
    mkdirSync(join(root.data, "models"));
    writeFileSync(join(root.data, "models", "mine.gguf"), "GGUF mine");
    writeFileSync(join(root.data, "lantern.env"), "INFERENCE_GPU=cpu\n");
    const { code, stderr } = await root.run("first-start.sh");
    expect(code).toBe(0);
    expect(readdirSync(join(root.data, "models"))).toEqual(["mine.gguf"]);
    expect(readFileSync(join(root.data, "lantern.env"), "utf8")).toBe("INFERENCE_GPU=cpu\n");
    expect(stderr).toBe("");
  });

  it("counts only model files: a models dir with other files still gets the defaults", async () => {
    mkdirSync(join(root.data, "models", ".lantern"), { recursive: true });
    writeFileSync(join(root.data, "models", ".stories260K.gguf.part"), "half a copy");
    await root.run("first-start.sh");
    expect(existsSync(join(root.data, "models", "stories260K.gguf"))).toBe(true);
  });

  it("puts the models where MODELS_DIR says", async () => {
    const models = join(root.dir, "elsewhere");
    await root.run("first-start.sh", [], { MODELS_DIR: models });
    expect(readdirSync(models)).toEqual(["stories260K.gguf"]);
  });

  it("says so when there is no model to copy", async () => {
    const { code, stderr } = await root.run("first-start.sh", [], { LANTERN_DEFAULT_MODELS: join(root.dir, "none") });
    expect(code).toBe(0);
    expect(stderr).toContain("no model in");
  });
});
