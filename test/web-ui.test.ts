import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import type { ConversationMessageView, ConversationView, TaskView } from "@lantern/shared/contracts";
import { ensureWeb } from "../scripts/ensure-web.mjs";
import { capturingLogger } from "./harness/log-capture.js";
import { dropPipelinesStream, startTestOrchestrator, type TestOrchestrator } from "./harness/test-orchestrator.js";
import { BUNDLED_MODEL, repoRoot, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * The web app in headless Chromium (Debian's package, driven by playwright-core; no browser is
 * downloaded) against a real gateway with two workers: the bundled model under a template that
 * opens every reply in a thought, and a synthetic model that streams slowly enough to stop; and an
 * orchestrator, which keeps the conversations and runs tasks.
 */

const SLOW_MODEL = "slow-story";
// What the functions run in the page reach (this program is typed for Node, without the DOM's types).
declare const window: any;
declare const document: any;
declare const MutationObserver: any;
const screenshots = join(repoRoot, ".data", "test-output", "web");

let stack: TestStack;
let orchestrator: TestOrchestrator;
let slow: RunningWorker;
const slowLogs = capturingLogger("inference-slow");
let browser: Browser;
let chat: Page;

beforeAll(async () => {
  if (!ensureWeb()) throw new Error("the web app could not be built");
  mkdirSync(screenshots, { recursive: true });
  stack = await startTestStack({ gatewayEnv: { GATEWAY_MONITOR_STATS_MS: "250" } });
  await stack.startWorker({ INFERENCE_CHAT_WRAPPER: "qwen3.5" });
  slow = await startSyntheticWorker(
    loadInferenceConfig({
      NATS_URL: stack.nats.url,
      NATS_NAMESPACE: stack.nats.namespace,
      INFERENCE_ENGINE: "synthetic",
      INFERENCE_SYNTHETIC_MODEL: SLOW_MODEL,
      INFERENCE_SYNTHETIC_TOKENS_PER_S: "20",
      INFERENCE_SLOTS: "2",
      INFERENCE_HEARTBEAT_MS: "250",
    }),
    slowLogs.logger,
  );
  orchestrator = await startTestOrchestrator(stack.nats);
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(SLOW_MODEL));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  chat = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await chat.goto(`${stack.baseUrl}/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await slow?.stop();
  await orchestrator?.stop();
  if (stack) await dropPipelinesStream(stack.nats);
  await stack?.stop();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await res.json();
  expect(res.ok, JSON.stringify(answer)).toBe(true);
  return answer as T;
}
const storedConversations = async () => (await api<{ data: ConversationView[] }>("GET", "/api/v1/conversations")).data;
const storedMessages = async (id: string) => (await api<{ data: ConversationMessageView[] }>("GET", `/api/v1/conversations/${id}/messages`)).data;
/** The letters and digits of a text: the page shows an answer as markdown, the server keeps its source. */
const letters = (text: string | null) => (text ?? "").replace(/[^\p{L}\p{N}]/gu, "");

async function settings(page: Page, values: { budget?: string; extra?: string; maxTokens?: string }) {
  await page.getByTestId("settings-toggle").click();
  if (values.budget !== undefined) await page.getByTestId("thinking-budget").fill(values.budget);
  if (values.extra !== undefined) await page.getByTestId("extra-params").fill(values.extra);
  if (values.maxTokens !== undefined) await page.getByLabel("Max tokens").fill(values.maxTokens);
  await page.getByTestId("settings-save").click();
  await page.getByTestId("settings-toggle").click();
}

async function send(page: Page, model: string, text: string) {
  await page.getByTestId("model-picker").selectOption(model);
  await page.getByTestId("composer").fill(text);
  await page.getByTestId("composer").press("Enter");
}

const lastAnswer = (page: Page) => page.getByTestId("turn-assistant").last();

describe("chat page", () => {
  it("streams the thought into its own block, then the answer, growing as tokens come", async () => {
    await waitFor(async () => (await chat.getByTestId("model-picker").locator("option").allTextContents()).includes(SLOW_MODEL));
    await settings(chat, { budget: "10", maxTokens: "200" });
    // Record what the newest reply shows at every change of the page, from before it is sent.
    await chat.evaluate(() => {
      const seen: Array<{ reasoning: number; answer: number }> = [];
      window.seen = seen;
      new MutationObserver(() => {
        const turn = [...document.querySelectorAll('[data-testid="turn-assistant"]')].at(-1) as any;
        if (!turn) return;
        seen.push({
          reasoning: turn.querySelector('[data-testid="reasoning"]')?.textContent?.length ?? 0,
          answer: turn.querySelector('[data-testid="answer"]')?.textContent?.length ?? 0,
        });
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await send(chat, BUNDLED_MODEL, "Once upon a time");
    await chat.getByTestId("send").waitFor();

    const seen = await chat.evaluate((): Array<{ reasoning: number; answer: number }> => window.seen);
    const answerLengths = [...new Set(seen.map((s) => s.answer).filter((n) => n > 0))];
    expect(answerLengths.length).toBeGreaterThan(2);
    // The thought was whole before the first answer text showed.
    const finalReasoning = seen.at(-1)!.reasoning;
    expect(finalReasoning).toBeGreaterThan(0);
    expect(seen.find((s) => s.answer > 0)!.reasoning).toBe(finalReasoning);

    const reply = lastAnswer(chat);
    const thought = await reply.getByTestId("reasoning").textContent();
    const answer = await reply.getByTestId("answer").textContent();
    expect(answer!.trim().length).toBeGreaterThan(0);
    expect(answer).not.toContain(thought!.trim());
    // Collapsed once the answer began; it opens on a click.
    expect(await reply.getByTestId("thinking").getAttribute("open")).toBeNull();
    await reply.getByTestId("thinking").locator("summary").click();
    await chat.screenshot({ path: join(screenshots, "chat.png") });
  });

  it("shows a reply holding HTML as text: no element of it runs or renders", async () => {
    const payload = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>";
    const schema = { type: "object", properties: { html: { enum: [payload] } }, required: ["html"] };
    await chat.getByTestId("new-chat").click();
    // No thought (a budget of 0): the grammar shapes the answer from its first token.
    await settings(chat, { budget: "0", extra: JSON.stringify({ response_format: { type: "json_schema", json_schema: { name: "page", schema } } }) });
    await send(chat, BUNDLED_MODEL, "Write a page");
    await chat.getByTestId("send").waitFor();
    const answer = lastAnswer(chat).getByTestId("answer");
    expect(await answer.textContent()).toContain(payload);
    expect(await answer.locator("script, img").count()).toBe(0);
    expect(await chat.evaluate(() => window.pwned)).toBeUndefined();
  });

  it("shows an error the API sent, with what to do about it", async () => {
    await settings(chat, { extra: JSON.stringify({ temperature: 9 }) });
    await send(chat, BUNDLED_MODEL, "Hello");
    const error = lastAnswer(chat).getByTestId("error");
    await error.waitFor();
    expect(await error.textContent()).toContain("temperature");
    expect(await error.textContent()).toContain("check the settings");
    await settings(chat, { extra: "", budget: "10" });
  });

  it("keeps conversations on the server: listed there with their messages, and in the sidebar after a reload with storage cleared", async () => {
    const kept = await storedConversations();
    expect(kept.map((c) => c.title)).toEqual(["Write a page", "Once upon a time"]);
    const story = kept.find((c) => c.title === "Once upon a time")!;
    const storyMessages = await storedMessages(story.id);
    expect(storyMessages.map((m) => [m.role, m.role === "user" ? m.content : letters(m.content).length > 0])).toEqual([
      ["user", "Once upon a time"],
      ["assistant", true],
    ]);
    // The refused "Hello" has no answer kept: only what was said.
    const page = kept.find((c) => c.title === "Write a page")!;
    expect((await storedMessages(page.id)).map((m) => [m.role, m.role === "user" ? m.content : "…"])).toEqual([
      ["user", "Write a page"],
      ["assistant", "…"],
      ["user", "Hello"],
    ]);

    await chat.evaluate(() => window.localStorage.clear());
    await chat.reload();
    const list = chat.getByTestId("conversation-list");
    await list.getByText("Once upon a time").waitFor();
    expect(await list.getByTestId("conversation").count()).toBe(2);
    await list.getByText("Once upon a time").click();
    await lastAnswer(chat).waitFor();
    expect(await chat.getByTestId("turn-user").allTextContents()).toEqual(["Once upon a time"]);
    expect(letters(await lastAnswer(chat).getByTestId("answer").textContent())).toBe(letters(storyMessages[1]!.content));
    await chat.screenshot({ path: join(screenshots, "chat-reloaded.png") });
  });

  it("regenerates, replacing the last answer on the server too; renames and deletes there", async () => {
    // The settings were in the cleared storage too.
    await settings(chat, { budget: "10", maxTokens: "200" });
    const story = (await storedConversations()).find((c) => c.title === "Once upon a time")!;
    await chat.getByTestId("regenerate").click();
    await chat.getByTestId("send").waitFor();
    expect(await chat.getByTestId("turn-assistant").count()).toBe(1);
    const again = letters(await lastAnswer(chat).getByTestId("answer").textContent());
    expect(again.length).toBeGreaterThan(0);
    await waitFor(async () => {
      const stored = await storedMessages(story.id);
      return stored.length === 2 && letters(stored[1]!.content) === again;
    }, 10_000, "the new answer kept in place of the old one");

    const page = (await storedConversations()).find((c) => c.title === "Write a page")!;
    await chat.getByRole("button", { name: "Rename Write a page" }).click();
    await chat.getByTestId("rename-input").fill("A page of HTML");
    await chat.getByTestId("rename-input").press("Enter");
    await waitFor(async () => (await storedConversations()).some((c) => c.id === page.id && c.title === "A page of HTML"), 10_000, "the new title kept");
    await chat.getByRole("button", { name: "Delete A page of HTML" }).click();
    await waitFor(async () => !(await storedConversations()).some((c) => c.id === page.id), 10_000, "the conversation deleted");
    expect(await chat.getByTestId("conversation-list").getByText("A page of HTML").count()).toBe(0);
  });

  it("keeps conversations in the browser, saying so, when the conversations API cannot be reached", async () => {
    const offline = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await offline.route("**/api/v1/conversations**", (route) => route.abort("connectionrefused"));
    await offline.goto(`${stack.baseUrl}/`);
    const note = offline.getByTestId("storage-note");
    await note.waitFor();
    expect(await note.textContent()).toContain("kept in this browser only");
    await settings(offline, { maxTokens: "16" });
    await send(offline, BUNDLED_MODEL, "Kept in the browser");
    await offline.getByTestId("send").waitFor();
    await offline.reload();
    await offline.getByTestId("conversation-list").getByText("Kept in the browser").waitFor();
    expect(await offline.getByTestId("turn-user").allTextContents()).toEqual(["Kept in the browser"]);
    expect((await storedConversations()).some((c) => c.title === "Kept in the browser")).toBe(false);
    await offline.close();
  });
});

describe("monitor page", () => {
  it("shows the workers and a chat's busy slot; stop frees it at once", async () => {
    const monitor = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await monitor.goto(`${stack.baseUrl}/monitor`);
    await waitFor(async () => (await monitor.getByTestId("worker").count()) === 2, 30_000, "both workers on the monitor");
    const slots = monitor.getByTestId("worker-model").filter({ hasText: SLOW_MODEL }).getByTestId("slots");
    expect(await slots.textContent()).toBe("0 busy / 2 free");

    await chat.getByTestId("new-chat").click();
    await settings(chat, { maxTokens: "2000" });
    await send(chat, SLOW_MODEL, "Tell a long story");
    await waitFor(async () => ((await lastAnswer(chat).getByTestId("answer").textContent()) ?? "").length > 0, 30_000, "the first words");
    await waitFor(async () => (await slots.textContent()) === "1 busy / 1 free", 30_000, "the busy slot on the monitor");
    await monitor.screenshot({ path: join(screenshots, "monitor.png"), fullPage: true });

    await chat.getByTestId("composer").press("Escape");
    await lastAnswer(chat).getByText("Stopped.").waitFor();
    await waitFor(async () => (await slots.textContent()) === "0 busy / 2 free", 30_000, "the slot freed");
    expect(slowLogs.lines.some((l) => l.msg === "job finished" && l.finishReason === "cancelled")).toBe(true);
    // The stopped chat is listed among the recent requests, as the client leaving (499).
    await waitFor(async () => (await monitor.getByTestId("request").filter({ hasText: SLOW_MODEL }).filter({ hasText: "499" }).count()) === 1);
    await monitor.screenshot({ path: join(screenshots, "monitor-after-stop.png"), fullPage: true });
    await monitor.close();
  });
});

describe("monitor prompt reuse", () => {
  it("shows how much of each model's prompt tokens came from the slots' caches", async () => {
    const monitor = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await monitor.goto(`${stack.baseUrl}/monitor`);
    await monitor.getByTestId("monitor-status").getByText("live").waitFor();
    // The same prompt twice: the second time a slot holds all of it but its last token.
    const body = { model: BUNDLED_MODEL, prompt: "Once upon a time there was a little dog who liked to run in the park.", max_tokens: 8, seed: 4 };
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${stack.baseUrl}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    }
    const row = monitor.getByTestId("reuse-row").filter({ hasText: BUNDLED_MODEL });
    await waitFor(async () => Number.parseInt((await row.getByTestId("reuse-share").textContent()) ?? "0", 10) > 0, 30_000, "a share of cached prompt tokens");
    await monitor.getByTestId("request").filter({ hasText: "cached" }).first().waitFor();
    await monitor.screenshot({ path: join(screenshots, "monitor-reuse.png"), fullPage: true });
    await monitor.close();
  });
});

describe("monitor tasks", () => {
  it("shows a task submitted through the API in the Tasks panel, live until it is done", async () => {
    const monitor = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await monitor.goto(`${stack.baseUrl}/monitor`);
    await monitor.getByTestId("monitor-status").getByText("live").waitFor();
    const task = await api<TaskView>("POST", "/api/v1/tasks", { model: BUNDLED_MODEL, prompt: "Once upon a time", params: { max_tokens: 16 } });
    const row = monitor.getByTestId("task").filter({ hasText: task.id });
    await row.getByTestId("task-status").getByText("succeeded").waitFor({ timeout: 30_000 });
    await monitor.screenshot({ path: join(screenshots, "monitor-tasks.png"), fullPage: true });
    await monitor.close();
  });
});

describe("phone width", () => {
  it("fits the chat into a narrow screen; Shift+Enter starts a new line", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 780 }, isMobile: true });
    await phone.goto(`${stack.baseUrl}/`);
    await phone.getByTestId("composer").waitFor();
    expect(await phone.getByTestId("conversation-list").isVisible()).toBe(false);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await phone.getByTestId("composer").type("first line");
    await phone.getByTestId("composer").press("Shift+Enter");
    await phone.getByTestId("composer").type("second line");
    expect(await phone.getByTestId("composer").inputValue()).toBe("first line\nsecond line");
    await phone.screenshot({ path: join(screenshots, "chat-phone.png") });
    await phone.close();
  });
});
