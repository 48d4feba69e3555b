import { expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS, SMALL_HEAP_NODE_FLAGS, serviceCommand } from "./service-command.js";

it("runs a service's TypeScript source through tsx, after the preloads it is given", () => {
  const cmd = serviceCommand("inference", { repoRoot: "/repo", tsxLoader: "/repo/node_modules/tsx/loader.mjs", preloads: ["data:watchdog"] });
  expect(cmd.command).toBe(process.execPath);
  expect(cmd.args).toEqual([...SMALL_HEAP_NODE_FLAGS, "--import", "/repo/node_modules/tsx/loader.mjs", "--import", "data:watchdog", "/repo/services/inference/src/main.ts"]);
  expect(cmd.entry).toBe("/repo/services/inference/src/main.ts");
});

it("with LANTERN_BUILT_DIR, runs the service's bundle with source maps and no tsx", () => {
  const cmd = serviceCommand("model-fetcher", { repoRoot: "/repo", builtDir: "/app/dist", preloads: ["data:watchdog"] });
  expect(cmd.args).toEqual([...SMALL_HEAP_NODE_FLAGS, "--enable-source-maps", "--import", "data:watchdog", "/app/dist/model-fetcher.js"]);
  expect(cmd.args.join(" ")).not.toContain("tsx");
});

it("gives the gateway its node flags in both modes", () => {
  const source = serviceCommand("gateway", { repoRoot: "/repo", tsxLoader: "/tsx.mjs" });
  const built = serviceCommand("gateway", { repoRoot: "/repo", builtDir: "/app/dist" });
  expect(source.args.slice(0, GATEWAY_NODE_FLAGS.length)).toEqual([...GATEWAY_NODE_FLAGS]);
  expect(built.args).toEqual([...GATEWAY_NODE_FLAGS, "--enable-source-maps", "/app/dist/gateway.js"]);
  expect(serviceCommand("admin", { repoRoot: "/repo", builtDir: "/app/dist" }).args).not.toContain("--expose-gc");
  // The gateway trades memory for CPU per request; every other process saves memory.
  expect(built.args).not.toContain("--optimize-for-size");
});

it("runs admin and the orchestrator together from their combined entry, on V8's baseline compiler for PGlite, collecting after bursts", () => {
  const source = serviceCommand("admin-orchestrator", { repoRoot: "/repo", tsxLoader: "/tsx.mjs" });
  expect(source.entry).toBe("/repo/scripts/services/admin-orchestrator.ts");
  expect(source.args).toContain("--liftoff-only");
  expect(serviceCommand("admin-orchestrator", { repoRoot: "/repo", builtDir: "/app/dist" }).args).toEqual(["--expose-gc", ...SMALL_HEAP_NODE_FLAGS, "--liftoff-only", "--enable-source-maps", "/app/dist/admin-orchestrator.js"]);
  expect(serviceCommand("inference", { repoRoot: "/repo", builtDir: "/app/dist" }).args).not.toContain("--liftoff-only");
});
