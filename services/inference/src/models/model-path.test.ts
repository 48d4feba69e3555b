import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "./model-load-error.js";
import { resolveModelPath } from "./model-path.js";

const root = mkdtempSync(join(tmpdir(), "lantern-path-"));
const modelsDir = join(root, "models");
mkdirSync(join(modelsDir, "sub"), { recursive: true });
writeFileSync(join(modelsDir, "sub", "m.gguf"), "");
writeFileSync(join(root, "outside.gguf"), "");
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refusal(file: string): Promise<ModelLoadError> {
  const err = await resolveModelPath(modelsDir, file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

describe("model paths", () => {
  it("finds a file under the models dir", async () => {
    expect(await resolveModelPath(modelsDir, "sub/m.gguf")).toBe(join(modelsDir, "sub", "m.gguf"));
    expect(await resolveModelPath(modelsDir, "./sub/m.gguf")).toBe(join(modelsDir, "sub", "m.gguf"));
  });

  it.each(["../outside.gguf", "sub/../../outside.gguf", "sub/../sub/m.gguf", "../models/sub/m.gguf", join(root, "outside.gguf"), "/etc/passwd.gguf", ".."])(
    "refuses %j as outside the models dir, though it may exist",
    async (file) => {
      expect((await refusal(file)).code).toBe("path_outside_models_dir");
    },
  );

  it("says when the file is not there", async () => {
    const err = await refusal("sub/none.gguf");
    expect(err.code).toBe("file_not_found");
    expect(err.message).toContain("sub/none.gguf");
    expect((await refusal("sub")).code).toBe("file_not_found");
  });
});
