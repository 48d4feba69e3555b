import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { expect, it } from "vitest";
import { PARENT_WATCHDOG_IMPORT } from "./parent-watchdog.js";

it("stops a child gracefully, as on SIGTERM, when the pipe from its parent closes", async () => {
  const script = `process.on("SIGTERM", () => { console.log("stopping gracefully"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", PARENT_WATCHDOG_IMPORT, "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const up = new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      if (line === "up") resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await up;
  child.stdin!.end();
  expect(await exited).toBe(0);
  expect(lines).toContain("stopping gracefully");
});

it("does not keep alive a child that has finished its work", async () => {
  const child = spawn(process.execPath, ["--import", PARENT_WATCHDOG_IMPORT, "-e", "console.log('done')"], { stdio: ["pipe", "ignore", "inherit"] });
  // The pipe stays open: the child ends only because it has nothing left to do.
  expect(await new Promise((resolve) => child.once("exit", (code) => resolve(code)))).toBe(0);
  child.stdin!.destroy();
});
