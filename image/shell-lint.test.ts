// Every shell script of the image parses as POSIX sh (`sh -n`, the image's /bin/sh is dash) and, where
// shellcheck is installed (Debian's `shellcheck` package), passes it as sh.
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { IMAGE_DIR } from "./shell-harness.js";

const run = promisify(execFile);
const scripts = readdirSync(IMAGE_DIR).filter((name) => name.endsWith(".sh"));

function shellcheckInstalled(): boolean {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("the image's shell scripts", () => {
  it("are the ones the entrypoint runs, executable where they are run", () => {
    expect(scripts.sort()).toEqual(["config.sh", "detect-gpu.sh", "entrypoint.sh", "first-start.sh"]);
    for (const script of ["entrypoint.sh", "detect-gpu.sh", "first-start.sh"]) {
      expect(statSync(join(IMAGE_DIR, script)).mode & 0o111, script).not.toBe(0);
    }
  });

  it.each(scripts)("%s parses as POSIX sh", async (script) => {
    await expect(run("sh", ["-n", join(IMAGE_DIR, script)])).resolves.toBeDefined();
  });

  it("pass shellcheck", async () => {
    if (!shellcheckInstalled()) {
      console.warn("shellcheck is not installed (apt-get install shellcheck): only `sh -n` checked the scripts");
      return;
    }
    const result = await run("shellcheck", ["--shell=sh", "--external-sources", "--source-path=SCRIPTDIR", ...scripts], { cwd: IMAGE_DIR }).catch((err: { stdout: string }) => err);
    expect(result.stdout).toBe("");
  });
});
