/**
 * `npm start`: NATS (NATS_URL, or a local nats-server with its data under .data/), the gateway,
 * one CPU inference worker on the bundled model, the model fetcher and the admin service (Postgres
 * at DATABASE_URL, or embedded PGlite under .data/). Ctrl-C stops it all.
 */
import { join } from "node:path";
import { NatsServerMissingError, repoRoot, startLocalStack, type LocalStack } from "./local-stack.js";

const dataDir = process.env.LANTERN_DATA_DIR ?? join(repoRoot, ".data");
const gatewayHost = process.env.GATEWAY_HOST ?? "127.0.0.1";
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8002);
const adminHost = process.env.ADMIN_HOST ?? "127.0.0.1";
const adminPort = Number(process.env.ADMIN_PORT ?? 8001);
let stack: LocalStack | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("[stack] stopping ...");
    await stack?.stop();
    console.log("[stack] stopped.");
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  stack = await startLocalStack({
    natsUrl: process.env.NATS_URL,
    natsDataDir: join(dataDir, "nats"),
    gatewayHost,
    gatewayPort,
    admin: { host: adminHost, port: adminPort, dataDir },
    fetcher: true,
    orchestrator: { dataDir },
    // The bundled model under its own name and under the names the example pipeline uses.
    workerEnv: {
      INFERENCE_MODELS:
        process.env.INFERENCE_MODELS ??
        ["stories260K=stories260K.gguf", ...["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=2`)].join(","),
    },
    onLine: (service, line) => console.log(`[${service}] ${line}`),
    onUnexpectedExit: (service, code) => {
      console.error(`[stack] ${service} exited unexpectedly (code ${code}); stopping the stack.`);
      void shutdown(1);
    },
  });
} catch (err) {
  if (err instanceof NatsServerMissingError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
console.log(`[stack] NATS at ${stack.natsUrl}${process.env.NATS_URL ? "" : ` (local nats-server with JetStream, data in ${join(dataDir, "nats")})`}`);

if (!(await stack.waitReady(120_000))) {
  console.error("[stack] the stack did not become ready within 120 s; stopping.");
  await shutdown(1);
}
const base = stack.baseUrl;
const admin = stack.adminUrl!;
const adminAuth = process.env.ADMIN_TOKEN ? "(Authorization: Bearer $ADMIN_TOKEN)" : "(open: loopback only, no ADMIN_TOKEN)";
console.log(`
Lantern is ready.
  Web app                ${base}/   (chat; ${base}/monitor; ${base}/keys)   dev with hot reload: npm run web:dev
  OpenAI-compatible API  ${base}/v1   (model: stories260K)
  Health                 ${base}/healthz   ${base}/readyz
  Admin API              ${admin}/api   ${adminAuth}
  Admin docs             ${admin}/docs   (OpenAPI: ${admin}/openapi.json)
  Models                 pnpm models pull <preset>   (pnpm models presets lists them; HF_TOKEN for gated repos)
  Pipelines              ${base}/v1/pipelines   (pnpm pipeline run story-council --input "Once upon a time")
  Try:  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
          -d '{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}]}'
Press Ctrl-C to stop.
`);
