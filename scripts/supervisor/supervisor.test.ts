import { afterEach, expect, it } from "vitest";
import type { ChildSpec } from "./child-process.js";
import { Supervisor } from "./supervisor.js";

const quickBackoff = { initialMs: 50, maxMs: 200, healthyAfterMs: 60_000 };
const running: Supervisor[] = [];
afterEach(async () => {
  for (const supervisor of running.splice(0)) await supervisor.stop(2_000);
});

/** A child that says "up", and "bye <name>" on SIGTERM. */
function nodeChild(name: string, extra: Partial<ChildSpec> = {}, script?: string): ChildSpec {
  const code = script ?? `process.on("SIGTERM", () => { console.log("bye ${name}"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);`;
  return { name, command: process.execPath, args: ["-e", code], env: process.env, cwd: process.cwd(), marker: "-e", ...extra };
}

function supervisorWithLog() {
  const lines: string[] = [];
  const log: string[] = [];
  const failures: string[] = [];
  const supervisor = new Supervisor(
    { onLine: (service, line) => lines.push(`${service}: ${line}`), log: (m) => log.push(m), onStartFailure: (s, why) => failures.push(`${s}: ${why}`) },
    quickBackoff,
  );
  running.push(supervisor);
  return { supervisor, lines, log, failures };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
  }
}

it("starts a child killed with SIGKILL again, saying which, why and when", async () => {
  const { supervisor, log } = supervisorWithLog();
  await supervisor.add(nodeChild("inference-1"));
  supervisor.markReady();
  const first = supervisor.children()[0]!.pid;
  process.kill(first, "SIGKILL");
  await until(() => supervisor.children().some((c) => c.pid !== first));
  expect(log[0]).toMatch(/^inference-1 exited unexpectedly \(signal SIGKILL\) after .* s; restarting it in .* s\.$/);
  expect(log[1]).toMatch(/^inference-1 restarted \(pid \d+\)\.$/);
  expect(supervisor.children().map((c) => c.name)).toEqual(["inference-1"]);
});

it("reports a child that exits before the stack is ready instead of restarting it", async () => {
  const { supervisor, failures, log } = supervisorWithLog();
  await supervisor.add(nodeChild("admin", {}, "process.exit(3)"));
  await until(() => failures.length > 0);
  expect(failures).toEqual(["admin: code 3"]);
  await new Promise((r) => setTimeout(r, 200)); // several backoffs' worth
  expect(supervisor.children()).toEqual([]);
  expect(log).toEqual([]);
});

it("fails to add a child that never comes up, and leaves nothing running", async () => {
  const { supervisor } = supervisorWithLog();
  const spec = nodeChild("nats", { started: () => Promise.reject(new Error("not accepting connections")) });
  await expect(supervisor.add(spec)).rejects.toThrow("nats could not start: not accepting connections");
  expect(supervisor.children()).toEqual([]);
});

it("stops the children last added first, those of one group together", async () => {
  const { supervisor, lines } = supervisorWithLog();
  for (const spec of [nodeChild("nats"), nodeChild("inference-1", { stopsWith: "workers" }), nodeChild("inference-2", { stopsWith: "workers" }), nodeChild("gateway")]) {
    await supervisor.add(spec);
  }
  await until(() => lines.filter((l) => l.endsWith(": up")).length === 4);
  await supervisor.stop(5_000);
  const byes = lines.filter((l) => l.includes("bye")).map((l) => l.split(": bye ")[1]);
  expect(byes[0]).toBe("gateway");
  expect(new Set(byes.slice(1, 3))).toEqual(new Set(["inference-1", "inference-2"]));
  expect(byes[3]).toBe("nats");
  expect(supervisor.children()).toEqual([]);
});

it("lets a child whose work is done exit (code 0) without restarting it, and says so", async () => {
  const { supervisor, log } = supervisorWithLog();
  let done = 0;
  await supervisor.add(nodeChild("model-fetcher", { onDone: () => done++ }, "setTimeout(() => process.exit(0), 300)"));
  supervisor.markReady();
  await until(() => done === 1);
  await new Promise((r) => setTimeout(r, 200)); // several backoffs' worth
  expect(supervisor.children()).toEqual([]);
  expect(log).toEqual([expect.stringMatching(/^model-fetcher is done \(exit code 0\) after .* s; it starts again when there is work for it\.$/)]);
  // Added again for the next piece of work, it is supervised as before.
  await supervisor.add(nodeChild("model-fetcher", { onDone: () => done++ }));
  expect(supervisor.children().map((c) => c.name)).toEqual(["model-fetcher"]);
});
