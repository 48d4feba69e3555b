import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import type { ConversationMessageView, ConversationView } from "@lantern/shared/contracts";
import { ensureWeb } from "../../scripts/ensure-web.mjs";
import { capturingLogger } from "./log-capture.js";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./test-orchestrator.js";
import { repoRoot, startTestStack, waitFor, type TestStack } from "./test-stack.js";

/*
 * The web app in headless Chromium (Debian's package, driven by playwright-core; no browser is
 * downloaded) against a real gateway with two workers: the bundled model under a template that
 * opens every reply in a thought, and a synthetic model that streams slowly enough to stop; and an
 * orchestrator, which keeps the conversations and runs tasks.
 */

export const SLOW_MODEL = "slow-story";
export const screenshots = join(repoRoot, ".data", "test-output", "web");

/** The letters and digits of a text: the page shows an answer as markdown, the server keeps its source. */
export const letters = (text: string | null) => (text ?? "").replace(/[^\p{L}\p{N}]/gu, "");

export async function settings(page: Page, values: { budget?: string; extra?: string; maxTokens?: string }) {
  await page.getByTestId("settings-toggle").click();
  if (values.budget !== undefined) await page.getByTestId("thinking-budget").fill(values.budget);
  if (values.extra !== undefined) await page.getByTestId("extra-params").fill(values.extra);
  if (values.maxTokens !== undefined) await page.getByLabel("Max tokens").fill(values.maxTokens);
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-toggle").click();
}

export async function send(page: Page, model: string, text: string) {
  await page.getByTestId("model-picker").selectOption(model);
  await page.getByTestId("composer").fill(text);
  await page.getByTestId("composer").press("Enter");
}

export const lastAnswer = (page: Page) => page.getByTestId("turn-assistant").last();

export interface WebUiStack {
  stack: TestStack;
  browser: Browser;
  /** A chat page open at `/` from the start. */
  chat: Page;
  /** The slow synthetic worker's log lines. */
  slowLogs: ReturnType<typeof capturingLogger>;
  /** Calls the gateway's API and expects a 2xx; returns the parsed answer. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  storedConversations(): Promise<ConversationView[]>;
  storedMessages(id: string): Promise<ConversationMessageView[]>;
}

/** Starts the stack and the browser before the calling file's tests and stops them after; its fields are set once they run. */
export function useWebUiStack(): WebUiStack {
  let orchestrator: TestOrchestrator | undefined;
  let slow: RunningWorker | undefined;

  const web: WebUiStack = {
    stack: undefined as unknown as TestStack,
    browser: undefined as unknown as Browser,
    chat: undefined as unknown as Page,
    slowLogs: capturingLogger("inference-slow"),
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${web.stack.baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const answer = await res.json();
      expect(res.ok, JSON.stringify(answer)).toBe(true);
      return answer as T;
    },
    storedConversations: async () => (await web.api<{ data: ConversationView[] }>("GET", "/api/v1/conversations")).data,
    storedMessages: async (id) => (await web.api<{ data: ConversationMessageView[] }>("GET", `/api/v1/conversations/${id}/messages`)).data,
  };

  beforeAll(async () => {
    if (!ensureWeb()) throw new Error("the web app could not be built");
    mkdirSync(screenshots, { recursive: true });
    web.stack = await startTestStack({ gatewayEnv: { GATEWAY_MONITOR_STATS_MS: "250" } });
    await web.stack.startWorker({ INFERENCE_CHAT_WRAPPER: "qwen3.5" });
    slow = await startSyntheticWorker(
      loadInferenceConfig({
        NATS_URL: web.stack.nats.url,
        NATS_NAMESPACE: web.stack.nats.namespace,
        INFERENCE_ENGINE: "synthetic",
        INFERENCE_SYNTHETIC_MODEL: SLOW_MODEL,
        INFERENCE_SYNTHETIC_TOKENS_PER_S: "20",
        INFERENCE_SLOTS: "2",
        INFERENCE_HEARTBEAT_MS: "250",
      }),
      web.slowLogs.logger,
    );
    orchestrator = await startTestOrchestrator(web.stack.nats);
    await waitFor(async () => ((await (await fetch(`${web.stack.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(SLOW_MODEL));
    web.browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    web.chat = await web.browser.newPage({ viewport: { width: 1200, height: 800 } });
    await web.chat.goto(`${web.stack.baseUrl}/`);
  }, 120_000);

  afterAll(async () => {
    await web.browser?.close();
    await slow?.stop();
    await orchestrator?.stop();
    if (web.stack) await dropPipelinesStream(web.stack.nats);
    await web.stack?.stop();
  });

  return web;
}
