import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";
import { useTestNats, waitFor } from "@lantern/shared/testing";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../../services/admin/src/index.js";
import { ensureWeb } from "../../scripts/ensure-web.mjs";
import { capturingLogger } from "./log-capture.js";
import { repoRoot, startTestStack, type TestStack } from "./test-stack.js";

/*
 * The web app in headless Chromium against a gateway that forwards the Usage page's calls to a real
 * admin service (Postgres, its usage store following the gateway's usage events), with two
 * workers: the bundled model, and a synthetic model whose name sorts before it.
 */

export const OTHER_MODEL = "critic-a";
export const screenshots = join(repoRoot, ".data", "test-output", "web");
export const ADMIN_TOKEN = "web-usage-admin-token-0123456789";

export interface WebUsageStack {
  stack: TestStack;
  admin: RunningAdmin;
  browser: Browser;
  /** The bundled model's worker id. */
  bundledWorkerId: string;
  /** Calls the admin service with its token and expects a 2xx; returns the parsed answer. */
  adminApi<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Calls the gateway with an API key; returns the status and parsed answer. */
  gatewayApi<T>(key: string, path: string, body: unknown): Promise<{ status: number; body: T }>;
}

/** Starts the stack and the browser before the calling file's tests and stops them after. */
export function useWebUsageStack(): WebUsageStack {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let synthetic: RunningWorker | undefined;
  const web: WebUsageStack = {
    stack: undefined as unknown as TestStack,
    admin: undefined as unknown as RunningAdmin,
    browser: undefined as unknown as Browser,
    bundledWorkerId: "",
    async adminApi<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${web.admin.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const answer = await res.json();
      expect(res.ok, JSON.stringify(answer)).toBe(true);
      return answer as T;
    },
    async gatewayApi<T>(key: string, path: string, body: unknown) {
      const res = await fetch(`${web.stack.baseUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };

  beforeAll(async () => {
    if (!ensureWeb()) throw new Error("the web app could not be built");
    const nats = await useTestNats();
    database = await useTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "lantern-web-usage-"));
    web.admin = await startAdmin(
      loadAdminConfig({ NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, ADMIN_PORT: "0", ADMIN_TOKEN, DATABASE_URL: database.url, LANTERN_DATA_DIR: dataDir }),
      createLogger({ service: "admin", level: "silent" }),
    );
    web.stack = await startTestStack({ nats, gatewayEnv: { GATEWAY_ADMIN_URL: web.admin.url } });
    web.bundledWorkerId = (await web.stack.startWorker()).worker.workerId;
    synthetic = await startSyntheticWorker(
      loadInferenceConfig({
        NATS_URL: nats.url,
        NATS_NAMESPACE: nats.namespace,
        INFERENCE_ENGINE: "synthetic",
        INFERENCE_SYNTHETIC_MODEL: OTHER_MODEL,
        INFERENCE_SYNTHETIC_TOKENS_PER_S: "200",
        INFERENCE_HEARTBEAT_MS: "250",
      }),
      capturingLogger("inference-synthetic").logger,
    );
    await waitFor(async () => ((await (await fetch(`${web.stack.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(OTHER_MODEL));
    mkdirSync(screenshots, { recursive: true });
    web.browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  }, 120_000);

  afterAll(async () => {
    await web.browser?.close();
    await synthetic?.stop();
    await web.stack?.stop();
    await web.admin?.stop(1_000);
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return web;
}
