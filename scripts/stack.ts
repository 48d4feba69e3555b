/**
 * The whole stack on one machine: NATS (NATS_URL, or a local nats-server with its data under
 * .data/), the gateway and one CPU inference worker on the bundled model. Ctrl-C stops it all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { NATS_SERVER_INSTALL_HINT, findNatsServer, startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = createRequire(import.meta.url).resolve("tsx");
const gatewayPort = process.env.GATEWAY_PORT ?? "8002";
const gatewayHost = process.env.GATEWAY_HOST ?? "127.0.0.1";

interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

let shuttingDown = false;

function startService(name: string, entry: string, env: NodeJS.ProcessEnv): Service {
  const child = spawn(process.execPath, ["--import", tsx, entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on("line", (line) => console.log(`[${name}] ${line}`));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then((code) => {
    if (!shuttingDown) {
      console.error(`[stack] ${name} exited unexpectedly (code ${code}); stopping the stack.`);
      void shutdown(1);
    }
  });
  return { name, child, exited };
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const services: Service[] = [];
let nats: LocalNatsServer | undefined;

async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), 35_000);
  await service.exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    console.log("[stack] stopping ...");
    // Edge first, so no new work arrives; then workers finish what they hold; then NATS.
    for (const service of [...services].reverse()) await stopService(service);
    await nats?.stop();
    console.log("[stack] stopped.");
  }
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

let natsUrl = process.env.NATS_URL;
if (!natsUrl) {
  if (!findNatsServer()) {
    console.error(NATS_SERVER_INSTALL_HINT);
    process.exit(1);
  }
  nats = await startLocalNatsServer({ dataDir: join(root, ".data", "nats"), port: 4222, detached: true });
  natsUrl = nats.url;
  console.log(`[stack] started nats-server with JetStream at ${natsUrl} (data in .data/nats)`);
} else {
  console.log(`[stack] using NATS at ${natsUrl}`);
}

const common = { NATS_URL: natsUrl };
services.push(startService("inference", "services/inference/src/main.ts", { ...common, MODELS_DIR: process.env.MODELS_DIR ?? join(root, "models") }));
services.push(startService("gateway", "services/gateway/src/main.ts", { ...common, GATEWAY_PORT: gatewayPort, GATEWAY_HOST: gatewayHost }));

const base = `http://${gatewayHost}:${gatewayPort}`;
if (!(await waitReady(base, 120_000))) {
  console.error("[stack] the stack did not become ready within 120 s; stopping.");
  await shutdown(1);
}
console.log(`
Lantern is ready.
  OpenAI-compatible API  ${base}/v1   (model: stories260K)
  Health                 ${base}/healthz   ${base}/readyz
  Try:  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
          -d '{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}]}'
Press Ctrl-C to stop.
`);
