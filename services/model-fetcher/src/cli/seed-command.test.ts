import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "@lantern/shared/model-files";
import { BUNDLED_MODEL, BUNDLED_SHA256 } from "@lantern/shared/testing";
import { runCli } from "./cli-app.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function models(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { LOG_LEVEL: "silent", ...env },
    signal: new AbortController().signal,
    presets: () => [],
  });
  return { code, stdout, stderr };
}

describe("npm run models -- seed", () => {
  it("copies the bundled model with its manifest into an empty models dir, once", async () => {
    const modelsDir = mkdtempSync(join(tmpdir(), "lantern-seed-"));
    dirs.push(modelsDir);
    const first = await models(["seed"], { MODELS_DIR: modelsDir, FETCHER_SEED_MODEL: BUNDLED_MODEL });
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining("Copied stories260K.gguf") });
    expect(readdirSync(modelsDir)).toContain("stories260K.gguf");
    expect((await readManifest(modelsDir, "stories260K.gguf"))?.sha256).toBe(BUNDLED_SHA256);

    const again = await models(["seed"], { MODELS_DIR: modelsDir, FETCHER_SEED_MODEL: BUNDLED_MODEL });
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining("nothing copied") });
  });

  it("copies nothing when FETCHER_SEED_MODEL is empty", async () => {
    const modelsDir = mkdtempSync(join(tmpdir(), "lantern-seed-"));
    dirs.push(modelsDir);
    const run = await models(["seed"], { MODELS_DIR: modelsDir, FETCHER_SEED_MODEL: "" });
    expect(run.code).toBe(0);
    expect(readdirSync(modelsDir)).toEqual([]);
  });
});
