// Runs the image's shell scripts as the container would, inside a temp dir standing in for its
// filesystem: a fake /dev and /sys, a data volume, and a PATH holding only the tools the scripts use
// (plus any fake command a test adds), so a real nvidia-smi on the test machine never answers.
import { execFile } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const IMAGE_DIR = dirname(fileURLToPath(import.meta.url));
const TOOLS = ["sh", "cat", "sed", "head", "id", "mkdir", "cp", "mv", "dirname", "env", "printf", "chmod"];
const SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

export interface FakeRoot {
  dir: string;
  dev: string;
  sys: string;
  bin: string;
  data: string;
  /** Adds a command to PATH: a shell script with this body. */
  command(name: string, body: string): void;
  /** Makes a file (and its dirs) with this content. */
  file(path: string, content?: string): string;
  run(script: string, args?: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  remove(): void;
}

/** Where the system has this tool (a file we may run). */
function locate(tool: string): string {
  for (const dir of SYSTEM_PATH) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this dir
    }
  }
  throw new Error(`${tool} is not installed`);
}

export function fakeRoot(): FakeRoot {
  const dir = mkdtempSync(join(tmpdir(), "lantern-image-"));
  const [dev, sys, bin, data] = ["dev", "sys", "bin", "data"].map((name) => join(dir, name));
  for (const path of [dev, sys, bin, data]) mkdirSync(path!, { recursive: true });
  for (const tool of TOOLS) symlinkSync(locate(tool), join(bin!, tool));
  const file = (path: string, content = "") => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return full;
  };
  return {
    dir,
    dev: dev!,
    sys: sys!,
    bin: bin!,
    data: data!,
    file,
    command(name, body) {
      const path = join(bin!, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
    },
    run(script, args = [], env = {}) {
      const baseEnv = {
        PATH: bin!,
        LANTERN_DEV_ROOT: dev!,
        LANTERN_SYS_ROOT: sys!,
        LANTERN_DATA_DIR: data!,
        LANTERN_DEFAULT_MODELS: join(dir, "default-models"),
        LANTERN_CONFIG_TEMPLATE: join(IMAGE_DIR, "lantern.env"),
      };
      return new Promise((resolve) => {
        execFile(join(bin!, "sh"), [join(IMAGE_DIR, script), ...args], { env: { ...baseEnv, ...env } }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
