/**
 * `npm run worker`: one more inference worker, in this process and in the foreground, joining the
 * stack `npm start` runs from this data dir (its NATS and its models, from the state file), or the
 * one NATS_URL names (a stack on another host). Ctrl-C or SIGTERM stops it gracefully: it finishes
 * the jobs it holds, as every worker does.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "@lantern/shared/nats/local-server";
import { repoRoot } from "./repo-root.js";
import { stackDataDir } from "./stack-settings.js";
import { readStackState, stateFilePath } from "./state-file.js";
import { supervisorRuns } from "./stop-stack.js";

const dataDir = stackDataDir(process.env, repoRoot);
const recorded = readStackState(dataDir);
const stack = recorded && supervisorRuns(recorded) ? recorded : undefined;
const natsUrl = process.env.NATS_URL || stack?.natsUrl;
if (!natsUrl) {
  console.error(
    [
      `[worker] No stack is running from ${dataDir} (nothing in ${stateFilePath(dataDir)}) and NATS_URL is not set.`,
      "  Start one here with `npm start`, or join a stack on another host: NATS_URL=nats://<host>:4222 npm run worker",
    ].join("\n"),
  );
  process.exit(1);
}

// What the user sets wins; then what the stack's own workers run with.
const inherited = stack?.workerEnv ?? {};
const pick = (name: string, fallback?: string) => process.env[name] || inherited[name] || fallback;
// Above the stack's own workers' ports, unless it was told to take any free ones.
const anyPort = process.env.LANTERN_WORKER_METRICS_PORT === "0";
const metricsPort = process.env.METRICS_PORT || String(await freePort(anyPort ? undefined : Math.max(9463, ...(stack?.workerMetricsPorts ?? [])) + 1));
const env: Record<string, string | undefined> = {
  NATS_URL: natsUrl,
  INFERENCE_MODELS: pick("INFERENCE_MODELS"),
  MODELS_DIR: pick("MODELS_DIR", join(repoRoot, "models")),
  NATS_NAMESPACE: pick("NATS_NAMESPACE"),
  METRICS_PORT: metricsPort,
  METRICS_HOST: process.env.METRICS_HOST || (process.env.METRICS_PORT ? undefined : "127.0.0.1"),
};
const joining = stack && !process.env.NATS_URL ? `the stack of ${dataDir} (pid ${stack.supervisorPid})` : "the stack";
const models = (env.INFERENCE_MODELS ?? "the default model").split(",").map((entry) => entry.split("=")[0]);
console.log(`[worker] joining ${joining} at ${natsUrl}; models: ${models.join(", ")}; metrics on :${metricsPort}. Ctrl-C stops this worker.`);
for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;

// Until the worker has started, its own signal handling is not there yet: a first Ctrl-C stops it
// as soon as it is (gracefully), a second one right away.
let pending: NodeJS.Signals | undefined;
const holdSignal = (signal: NodeJS.Signals) => {
  if (pending) process.exit(130);
  pending = signal;
  console.log("[worker] stopping once it has started (Ctrl-C again to stop now) ...");
};
process.on("SIGINT", holdSignal).on("SIGTERM", holdSignal);

// The worker itself, in this process: its own signal handling stops it gracefully.
const builtDir = process.env.LANTERN_BUILT_DIR;
const entry = builtDir ? join(builtDir, "inference.js") : join(repoRoot, "services", "inference", "src", "main.ts");
await import(pathToFileURL(entry).href);
process.off("SIGINT", holdSignal).off("SIGTERM", holdSignal);
if (pending) process.kill(process.pid, pending);
