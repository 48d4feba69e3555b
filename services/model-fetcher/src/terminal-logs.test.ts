import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";

// The fetcher service as `npm start` runs it: cheap to start, and it logs a line with fields once started.
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "main.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");
// util-linux `script` runs a command on a pseudo-terminal: to the service, stdout is a TTY.
const SCRIPT = "/usr/bin/script";
const STARTED = "model fetcher started";
const ANSI = /\u001b\[[0-9;]*m/g;

interface Run {
  output: () => string;
  /** Stops the service the way a supervisor does (SIGTERM) and resolves once everything it spawned is gone. */
  stop(): Promise<void>;
}

function serviceEnv(nats: TestNats, modelsDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SHELL: "/bin/sh",
    TERM: "xterm",
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    MODELS_DIR: modelsDir,
    FETCHER_SEED_MODEL: "",
  };
  return env;
}

function collect(child: ChildProcess): () => string {
  let text = "";
  child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
  return () => text;
}

async function stopChild(child: ChildProcess, pid: number | undefined): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (const target of [pid, child.pid]) {
    try {
      if (target) process.kill(target, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const killed = setTimeout(() => {
    for (const target of [pid, child.pid]) {
      try {
        if (target) process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }, 10_000);
  await exited;
  clearTimeout(killed);
}

/** The service with stdout on a pipe, as tests, containers and log shippers read it. */
function runOnPipe(env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ["--import", TSX, MAIN], { env, stdio: ["ignore", "pipe", "inherit"] });
  return { output: collect(child), stop: () => stopChild(child, undefined) };
}

/**
 * The service on a terminal. `script` puts it in a session of its own, so the shell prints its pid
 * (which `exec` hands to node) to stop it directly.
 */
function runOnTerminal(env: NodeJS.ProcessEnv): Run {
  const command = `echo "service-pid=$$"; exec '${process.execPath}' --import '${TSX}' '${MAIN}'`;
  const child = spawn(SCRIPT, ["-qfec", command, "/dev/null"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const output = collect(child);
  const servicePid = () => Number(/service-pid=(\d+)/.exec(output())?.[1]) || undefined;
  return { output, stop: () => stopChild(child, servicePid()) };
}

const lines = (text: string) =>
  text
    .replaceAll("\r", "")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("service-pid="));

describe.skipIf(!existsSync(SCRIPT))("the fetcher's log lines", () => {
  let nats: TestNats;
  let modelsDir: string;
  beforeAll(async () => {
    nats = await useTestNats("logfmt");
    modelsDir = mkdtempSync(join(tmpdir(), "lantern-logfmt-"));
  });
  afterAll(async () => {
    await nats?.stop();
    if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
  });

  it("on a terminal: readable, coloured lines, not JSON", async () => {
    const run = runOnTerminal(serviceEnv(nats, modelsDir));
    try {
      await waitFor(() => run.output().includes(STARTED), 60_000, "the fetcher to start");
    } finally {
      await run.stop();
    }
    expect(run.output()).toContain("\u001b[32mINFO\u001b[39m");
    const shown = lines(run.output().replace(ANSI, ""));
    const started = shown.find((line) => line.includes(STARTED));
    expect(started).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(model-fetcher\): model fetcher started( \w+=\S+)+$/);
    expect(started).toContain(` modelsDir=${modelsDir} `);
    expect(shown.filter((line) => line.trimStart().startsWith("{"))).toEqual([]);
  }, 90_000);

  it("on a pipe: one JSON object per line", async () => {
    const run = runOnPipe(serviceEnv(nats, modelsDir));
    try {
      await waitFor(() => run.output().includes(STARTED), 60_000, "the fetcher to start");
    } finally {
      await run.stop();
    }
    const parsed = lines(run.output()).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((line) => line.msg === STARTED)).toMatchObject({ level: 30, service: "model-fetcher", modelsDir });
    expect(parsed.every((line) => line.service === "model-fetcher")).toBe(true);
  }, 90_000);
});
