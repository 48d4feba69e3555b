import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import { capturingLogger } from "./log-capture.js";
import { ensureWeb } from "../../scripts/ensure-web.mjs";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./test-orchestrator.js";
import { repoRoot, startTestStack, type TestStack } from "./test-stack.js";

/*
 * The Pipelines page in headless Chromium (Debian's, driven by playwright-core) against a real
 * gateway (with an admin token, so saving can be tried), a worker serving the bundled model under
 * every name the example pipeline uses, a synthetic model slow enough to watch its answer being
 * written (`slow-tale`, a pipeline of its own), and an orchestrator on a PIPELINES_DIR of its own.
 */

export const SLOW_MODEL = "slowpoke";

export const ADMIN_TOKEN = "web-pipelines-admin";
export const screenshots = join(repoRoot, ".data", "test-output", "web");
const SERVED = ["teller", "critic-a", "critic-b", "critic-c", "editor"].map((name) => `${name}=stories260K.gguf?slots=2&context=512`).join(",");

export interface PipelinesStack {
  stack: TestStack;
  browser: Browser;
  /** The Pipelines page, 1280x800, open from the start. */
  page: Page;
  pipelinesDir: string;
  /** Console errors and page errors seen so far. */
  consoleErrors: string[];
}

/** Starts the stack and the browser before the calling file's tests and stops them after. */
export function usePipelinesStack(): PipelinesStack {
  let orchestrator: TestOrchestrator | undefined;
  let slow: RunningWorker | undefined;
  const web: PipelinesStack = {
    stack: undefined as unknown as TestStack,
    browser: undefined as unknown as Browser,
    page: undefined as unknown as Page,
    pipelinesDir: mkdtempSync(join(tmpdir(), "lantern-web-pipelines-")),
    consoleErrors: [],
  };

  beforeAll(async () => {
    if (!ensureWeb()) throw new Error("the web app could not be built");
    mkdirSync(screenshots, { recursive: true });
    const models = readFileSync(join(repoRoot, "pipelines/models.yaml"), "utf8").replace("models_directory: ../models", `models_directory: ${join(repoRoot, "models")}`);
    writeFileSync(join(web.pipelinesDir, "models.yaml"), `${models}  spare:\n    file: stories260K.gguf\n  ${SLOW_MODEL}:\n    file: stories260K.gguf\n`);
    writeFileSync(
      join(web.pipelinesDir, "slow-tale.yaml"),
      `description: A slow model and a fast one write side by side.\nbase_pipeline:\n  stages:\n    - {name: tale, type: multi, models: [${SLOW_MODEL}, critic-a], aggregation: concat, max_tokens: 60}\n`,
    );
    copyFileSync(join(repoRoot, "pipelines/story-council.yaml"), join(web.pipelinesDir, "story-council.yaml"));
    web.stack = await startTestStack({ gatewayEnv: { GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN } });
    await web.stack.startWorker({ INFERENCE_MODELS: SERVED });
    slow = await startSyntheticWorker(
      loadInferenceConfig({
        NATS_URL: web.stack.nats.url,
        NATS_NAMESPACE: web.stack.nats.namespace,
        INFERENCE_ENGINE: "synthetic",
        INFERENCE_SYNTHETIC_MODEL: SLOW_MODEL,
        INFERENCE_SYNTHETIC_TOKENS_PER_S: "15",
        INFERENCE_HEARTBEAT_MS: "250",
      }),
      capturingLogger("inference-slow").logger,
    );
    orchestrator = await startTestOrchestrator(web.stack.nats, { PIPELINES_DIR: web.pipelinesDir, ORCHESTRATOR_RUN_ATTEMPTS: "1" });
    web.browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    web.page = await web.browser.newPage({ viewport: { width: 1280, height: 800 } });
    web.page.on("console", (message) => {
      if (message.type() === "error") web.consoleErrors.push(message.text());
    });
    web.page.on("pageerror", (err) => web.consoleErrors.push(err.message));
    await web.page.goto(`${web.stack.baseUrl}/pipelines`);
  }, 120_000);

  afterAll(async () => {
    await web.browser?.close();
    await slow?.stop();
    await orchestrator?.stop();
    if (web.stack) await dropPipelinesStream(web.stack.nats);
    await web.stack?.stop();
    rmSync(web.pipelinesDir, { recursive: true, force: true });
  });

  return web;
}
