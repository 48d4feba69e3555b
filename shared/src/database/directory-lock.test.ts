import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DirectoryLockedError, holdDirectoryLock } from "./directory-lock.js";

describe("the embedded database's directory lock", () => {
  const dir = mkdtempSync(join(tmpdir(), "lantern-lock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a directory another running process holds, naming it", async () => {
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "lantern.lock"), String(other.pid));
      expect(() => holdDirectoryLock(dir)).toThrow(DirectoryLockedError);
      expect(() => holdDirectoryLock(dir)).toThrow(`open in process ${other.pid}`);
    } finally {
      other.kill("SIGKILL");
      await new Promise((resolve) => other.once("exit", resolve));
    }
    // Its process gone (killed, as here): the lock is taken over, and given back on release.
    const lock = holdDirectoryLock(dir);
    expect(readFileSync(join(dir, "lantern.lock"), "utf8")).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dir, "lantern.lock"))).toBe(false);
  });
});
