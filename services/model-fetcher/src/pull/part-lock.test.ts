import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@lantern/shared/testing";
import { acquirePartLock } from "./part-lock.js";

describe("part lock", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lantern-lock-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("waits while a live holder has the .part, and takes it once released", async () => {
    const part = join(dir, "a", "model.gguf.part");
    const first = await acquirePartLock(part, new AbortController().signal);
    let waiting = false;
    let acquired = false;
    const second = acquirePartLock(part, new AbortController().signal, () => (waiting = true)).then((lock) => {
      acquired = true;
      return lock;
    });
    await waitFor(() => waiting, 10_000, "the second taker to wait");
    expect(acquired).toBe(false);
    await first.release();
    const lock = await second;
    expect(JSON.parse(await readFile(`${part}.lock`, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    await expect(stat(`${part}.lock`)).rejects.toThrow();
  });

  it("takes over a lock whose holder process is gone", async () => {
    const part = join(dir, "model.gguf.part");
    // The pid of a process that has exited: no one holds the lock any more.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    await writeFile(`${part}.lock`, JSON.stringify({ pid: gone, host: hostname(), at: Date.now() }));
    const lock = await acquirePartLock(part, new AbortController().signal, () => {
      throw new Error("should not wait for a holder that is gone");
    });
    await lock.release();
  });

  it("gives up waiting when the fetcher stops", async () => {
    const part = join(dir, "b.gguf.part");
    const held = await acquirePartLock(part, new AbortController().signal);
    const stopping = new AbortController();
    const waiting = acquirePartLock(part, stopping.signal);
    stopping.abort();
    await expect(waiting).rejects.toThrow("stopped");
    await held.release();
  });
});
