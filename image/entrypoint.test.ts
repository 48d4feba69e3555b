// entrypoint.sh with its config file: what the command it runs (here `env`) is given.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeRoot, type FakeRoot } from "./shell-harness.js";

let root: FakeRoot;
beforeEach(() => {
  root = fakeRoot();
  root.file("default-models/stories260K.gguf", "GGUF bundled");
});
afterEach(() => root.remove());

/** Runs the entrypoint with `env` as the container's command, and parses what it printed. */
async function start(env: Record<string, string> = {}) {
  const result = await root.run("entrypoint.sh", ["env"], env);
  const vars = Object.fromEntries(result.stdout.split("\n").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  return { ...result, vars };
}

const config = () => join(root.data, "lantern.env");

describe("entrypoint.sh", () => {
  it("on a first start prepares the volume, detects the backend and runs the command with it", async () => {
    const { code, vars, stderr } = await start();
    expect(code).toBe(0);
    expect(vars.INFERENCE_GPU).toBe("cpu");
    expect(vars.LANTERN_DATA_DIR).toBe(root.data);
    expect(stderr).toContain("wrote the default config");
    expect(stderr).toContain("inference backend: cpu (detected");
  });

  it("detects again at each start while the config says auto", async () => {
    await start();
    root.command("nvidia-smi", "echo 'NVIDIA L4, 570.86.10'");
    const { vars, stderr } = await start();
    expect(vars.INFERENCE_GPU).toBe("cuda");
    expect(stderr).not.toContain("wrote the default config");
  });

  it("takes the backend the config file names, without detecting", async () => {
    root.command("nvidia-smi", "echo 'NVIDIA L4, 570.86.10'");
    await start();
    writeFileSync(config(), readFileSync(config(), "utf8").replace("INFERENCE_GPU=auto", "INFERENCE_GPU=cpu"));
    const { vars, stderr } = await start();
    expect(vars.INFERENCE_GPU).toBe("cpu");
    expect(stderr).toContain("inference backend: cpu (set by INFERENCE_GPU; no detection)");
    expect(stderr).not.toContain("[detect-gpu]");
  });

  it("lets the container's environment win over the file", async () => {
    writeFileSync(config(), "INFERENCE_GPU=cpu\nLOG_LEVEL=debug\n");
    const { vars, stderr } = await start({ INFERENCE_GPU: "vulkan", LOG_LEVEL: "warn" });
    expect(vars).toMatchObject({ INFERENCE_GPU: "vulkan", LOG_LEVEL: "warn" });
    expect(stderr).toContain("LOG_LEVEL is set in the container's environment: the file's value is not used");
  });

  it("reads values as written: quotes dropped, no expansion, comments and bad lines skipped, CRLF accepted", async () => {
    const lines = [
      "# a comment",
      "",
      'INFERENCE_MODELS="qwen=qwen2.5.gguf?slots=2"',
      "ADMIN_TOKEN='a b'",
      "HF_TOKEN=$(echo pwned) $HOME `id`",
      "not a setting",
      "9LIVES=1",
      "LOG_LEVEL=info\r",
      "LOG_LEVEL=debug",
    ];
    writeFileSync(config(), `${lines.join("\n")}`);
    const { vars, stderr } = await start();
    expect(vars).toMatchObject({
      INFERENCE_MODELS: "qwen=qwen2.5.gguf?slots=2",
      ADMIN_TOKEN: "a b",
      HF_TOKEN: "$(echo pwned) $HOME `id`",
      LOG_LEVEL: "debug",
    });
    expect(vars).not.toHaveProperty("9LIVES");
    expect(stderr).toMatch(/lantern\.env:6: not KEY=value, skipped/);
    expect(stderr).toMatch(/lantern\.env:7: not KEY=value, skipped/);
  });

  it("refuses a backend it does not know", async () => {
    const { code, stderr } = await start({ INFERENCE_GPU: "rocm" });
    expect(code).toBe(1);
    expect(stderr).toContain("INFERENCE_GPU=rocm is not one of auto, cuda, vulkan, cpu");
  });

  it("stops before the command when the first start fails", async () => {
    const { code, stdout } = await start({ LANTERN_CONFIG_TEMPLATE: join(root.dir, "missing.env") });
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
  });
});
