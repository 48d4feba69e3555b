// npm run image:build: the docker commands it makes, and what it says where Docker cannot build.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError, dockerBuildArgs, dockerProblem, formatSize, imageTags, parseArgs, type RunResult } from "./image-build.mjs";

const script = join(dirname(fileURLToPath(import.meta.url)), "image-build.mjs");

describe("image-build arguments", () => {
  it("builds image/Dockerfile from the repository root, tagged latest and the version", () => {
    expect(dockerBuildArgs(parseArgs([]), "0.1.0", "abc1234")).toEqual([
      "build", "-f", "image/Dockerfile", "-t", "lantern:latest", "-t", "lantern:0.1.0", "--build-arg", "LANTERN_BUILD=abc1234", ".",
    ]);
  });

  it("tags under a registry prefix, from the flag (either form) or LANTERN_REGISTRY", () => {
    expect(imageTags(parseArgs(["--registry", "ghcr.io/alice/"]), "1.2.3")).toEqual(["ghcr.io/alice/lantern:latest", "ghcr.io/alice/lantern:1.2.3"]);
    expect(imageTags(parseArgs(["--registry=docker.io/bob"]), "1.2.3")[0]).toBe("docker.io/bob/lantern:latest");
    expect(imageTags(parseArgs([], { LANTERN_REGISTRY: "registry.local:5000" }), "1.2.3")[1]).toBe("registry.local:5000/lantern:1.2.3");
  });

  it("pushes only when asked, and only to a registry", () => {
    expect(parseArgs([]).push).toBe(false);
    expect(parseArgs(["--push", "--registry", "docker.io/bob"])).toMatchObject({ push: true, registry: "docker.io/bob" });
    expect(() => parseArgs(["--push"])).toThrow(UsageError);
    expect(() => parseArgs(["--push"])).toThrow(/--push needs --registry/);
  });

  it("takes the build name given, and refuses what it does not know", () => {
    expect(parseArgs(["--build", "v1-rc"]).build).toBe("v1-rc");
    expect(() => parseArgs(["--build"])).toThrow(/--build needs a value/);
    expect(() => parseArgs(["--tag", "x"])).toThrow(/unknown argument: --tag/);
  });

  it("prints sizes the way docker images does", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(3.5 * 1024 ** 3)).toBe("3.5 GiB");
  });
});

describe("image-build without a Docker engine", () => {
  const answers = (version: RunResult, info: RunResult) => (_cmd: string, args: string[]) => (args[0] === "--version" ? version : info);

  it("says Docker is missing when there is no docker command", () => {
    const missing = { status: null, error: Object.assign(new Error("spawn docker ENOENT"), { code: "ENOENT" }) };
    expect(dockerProblem(answers(missing, missing))).toMatch(/^Docker is not installed/);
  });

  it("says the engine is not reachable, with docker's reason, when the CLI cannot reach it", () => {
    const problem = dockerProblem(
      answers({ status: 0, stdout: "Docker version 28.2.2, build e6534b4\n" }, { status: 1, stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" }),
    );
    expect(problem).toContain("Docker is installed (Docker version 28.2.2, build e6534b4), but its engine is not reachable:");
    expect(problem).toContain("Cannot connect to the Docker daemon");
    expect(problem).toContain("systemctl start docker");
  });

  it("finds nothing wrong when the engine answers", () => {
    expect(dockerProblem(answers({ status: 0, stdout: "Docker version 28" }, { status: 0, stdout: "28.2.2\n" }))).toBeUndefined();
  });

  describe("run as npm run image:build", () => {
    let bin: string;
    beforeEach(() => {
      bin = mkdtempSync(join(tmpdir(), "lantern-image-build-"));
    });
    afterEach(() => rmSync(bin, { recursive: true, force: true }));

    const runScript = (args: string[] = []) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [script, ...args], { env: { PATH: bin } }, (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }));
      });

    it("exits 1 with the reason and builds nothing when the engine is down", async () => {
      // A docker CLI whose engine does not answer, and which records any build it is asked for.
      writeFileSync(join(bin, "docker"), `#!/bin/sh\ncase "$1" in --version) echo "Docker version 28.2.2";; info) echo "Cannot connect to the Docker daemon" >&2; exit 1;; *) echo "$@" > "${bin}/called";; esac\n`);
      chmodSync(join(bin, "docker"), 0o755);
      const { code, stderr, stdout } = await runScript();
      expect(code).toBe(1);
      expect(stderr).toContain("its engine is not reachable:\n  Cannot connect to the Docker daemon");
      expect(stdout).toBe("");
      expect(existsSync(join(bin, "called"))).toBe(false);
    });

    it("exits 1 saying Docker is not installed when there is no docker on PATH", async () => {
      const { code, stderr } = await runScript();
      expect(code).toBe(1);
      expect(stderr).toMatch(/^Docker is not installed/);
    });

    it("exits 2 with the usage on a bad argument", async () => {
      const { code, stderr } = await runScript(["--push"]);
      expect(code).toBe(2);
      expect(stderr).toContain("usage: npm run image:build");
    });
  });
});
