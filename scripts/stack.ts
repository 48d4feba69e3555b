/**
 * `npm start`: NATS (NATS_URL, or a local nats-server with its data under .data/), the gateway,
 * N CPU inference workers on the bundled model (`--workers N`, LANTERN_WORKERS), the model fetcher
 * (once a pull asks for it), the orchestrator and the admin service (Postgres at DATABASE_URL, or in
 * one process on one embedded PGlite database under .data/),
 * kept running by one supervisor: this process. Ctrl-C, SIGTERM or `npm stop` stop it all in order.
 */
import { basename, join } from "node:path";
import { NatsServerMissingError, repoRoot, startLocalStack, type LocalStack } from "./local-stack.js";
import { readyBanner } from "./supervisor/banner.js";
import { childLogEnv, supervisedLine } from "./supervisor/log-env.js";
import { portIsFree } from "./supervisor/port-check.js";
import { SettingsError, stackSettings, type StackSettings } from "./supervisor/stack-settings.js";
import { readStackState, removeStackState, writeStackState } from "./supervisor/state-file.js";
import { childrenLeft, stopRecordedStack, supervisorRuns } from "./supervisor/stop-stack.js";

/** The bundled model under its own name and under the names the example pipeline uses. */
const DEFAULT_MODELS = ["stories260K=stories260K.gguf", ...["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=2`)].join(",");
/** A second Ctrl-C this long after the first kills what is left instead of waiting. */
const FORCE_AFTER_MS = 2_000;

/** `npm start` from a checkout runs its own build (scripts/build-checkout.mjs); the container image has no checkout. */
const builtFromCheckout = (dir: string) => dir.startsWith(join(repoRoot, "node_modules", ".cache", "lantern"));
const log = (message: string) => console.log(`[stack] ${message}`);
const fail = (message: string) => console.error(`[stack] ${message}`);
// A closed terminal must not crash the supervisor halfway through stopping.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

let settings: StackSettings;
try {
  settings = stackSettings(process.argv.slice(2), process.env, repoRoot);
} catch (err) {
  if (!(err instanceof SettingsError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const { dataDir } = settings;

let stack: LocalStack | undefined;
let stopping: Promise<void> | undefined;
let stopRequestedAt = 0;
let ownsStateFile = false;
let startFailed = false;

async function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    log("stopping ...");
    await stack?.stop();
    if (ownsStateFile) removeStackState(dataDir);
    log("stopped.");
  })();
  await stopping;
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  if (!stopRequestedAt) {
    stopRequestedAt = Date.now();
    // Before the stack exists, stopping waits for its start (a second or so) and then stops it.
    if (stack) void shutdown(0);
    return;
  }
  // The same signal often arrives twice at once (from the terminal and from npm): only a later one forces.
  if (Date.now() - stopRequestedAt > FORCE_AFTER_MS && stack) {
    log(`${signal} again: killing what is still running.`);
    stack.kill();
  }
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

// Stop before start: a stack of this data dir still running, or what a killed one left, goes first.
const previous = readStackState(dataDir);
if (previous) {
  const left = childrenLeft(previous);
  if (supervisorRuns(previous)) {
    log(`a stack of this data dir is running (pid ${previous.supervisorPid}, ${previous.gatewayUrl}); stopping it first.`);
  } else if (left.length > 0) {
    log(`a stack of this data dir did not stop cleanly: ${left.map((c) => `${c.name} (pid ${c.pid})`).join(", ")} still running; stopping them first.`);
  }
  await stopRecordedStack(previous, log);
}
if (stopRequestedAt) process.exit(0);

const ports: [string, string, number][] = [
  ["GATEWAY_PORT", settings.gatewayHost, settings.gatewayPort],
  ["ADMIN_PORT", settings.adminHost, settings.adminPort],
];
for (const [variable, host, port] of ports) {
  if (!(await portIsFree(host, port))) {
    fail(`${host}:${port} is in use by another program; stop it or choose another port with ${variable}.`);
    process.exit(1);
  }
}

const workerEnv = {
  INFERENCE_MODELS: process.env.INFERENCE_MODELS || DEFAULT_MODELS,
  MODELS_DIR: process.env.MODELS_DIR || join(repoRoot, "models"),
  ...(process.env.NATS_NAMESPACE ? { NATS_NAMESPACE: process.env.NATS_NAMESPACE } : {}),
};

const startedAt = new Date().toISOString();
function recordState(): void {
  if (!stack || stopping) return;
  writeStackState({
    supervisorPid: process.pid,
    supervisorMarker: basename(process.argv[1] ?? "stack"),
    startedAt,
    dataDir,
    natsUrl: stack.natsUrl,
    ownNats: stack.ownNats,
    gatewayUrl: stack.baseUrl,
    adminUrl: stack.adminUrl,
    workerEnv,
    workerMetricsPorts: stack.workers.flatMap((w) => (w.metricsPort === undefined ? [] : [w.metricsPort])),
    children: stack.children(),
  });
  ownsStateFile = true;
}

try {
  stack = await startLocalStack({
    natsUrl: settings.natsUrl,
    natsDataDir: join(dataDir, "nats"),
    gatewayHost: settings.gatewayHost,
    gatewayPort: settings.gatewayPort,
    admin: { host: settings.adminHost, port: settings.adminPort, dataDir },
    // Started by the first pull: an idle fetcher is memory the embedded default does not need.
    fetcher: "on-demand",
    orchestrator: { dataDir },
    workers: settings.workers,
    workerMetrics: { host: process.env.METRICS_HOST || "127.0.0.1", basePort: settings.workerMetricsPort },
    workerEnv,
    env: childLogEnv(Boolean(process.stdout.isTTY), process.env),
    builtDir: settings.builtDir,
    onLine: (service, line) => console.log(supervisedLine(service, line)),
    log,
    onChildrenChanged: recordState,
    onStartFailure: (service, reason) => {
      startFailed = true;
      fail(`${service} exited while the stack was starting (${reason}): it cannot start (its output is above); stopping the stack.`);
      void shutdown(1);
    },
  });
} catch (err) {
  fail(err instanceof NatsServerMissingError ? err.message : `could not start: ${(err as Error).message}`);
  process.exit(1);
}
recordState();
if (stopRequestedAt) await shutdown(0);
log(`NATS at ${stack.natsUrl}${stack.ownNats ? ` (local nats-server with JetStream, data in ${join(dataDir, "nats")})` : ""}`);

if (!(await stack.waitReady(120_000))) {
  if (stopRequestedAt && !startFailed) await shutdown(0);
  if (!startFailed) fail("the stack did not become ready within 120 s; stopping.");
  await shutdown(1);
}
console.log(readyBanner({ baseUrl: stack.baseUrl, adminUrl: stack.adminUrl, adminTokenSet: Boolean(process.env.ADMIN_TOKEN), workers: stack.workers, checkout: !settings.builtDir || builtFromCheckout(settings.builtDir) }));
