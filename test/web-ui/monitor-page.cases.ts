import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskView } from "@lantern/shared/contracts";
import { lastAnswer, screenshots, send, settings, SLOW_MODEL, type WebUiStack } from "../harness/web-ui-stack.js";
import { BUNDLED_MODEL, waitFor } from "../harness/test-stack.js";

/*
 * The monitor page in headless Chromium (the stack: test/harness/web-ui-stack.ts): workers and
 * their slots while a chat streams and is stopped, prompt reuse from the slots' caches, and tasks.
 */

export function monitorPageCases(web: WebUiStack): void {
  describe("monitor page", () => {
    it("shows the workers and a chat's busy slot; stop frees it at once", async () => {
      const monitor = await web.browser.newPage({ viewport: { width: 1200, height: 900 } });
      await monitor.goto(`${web.stack.baseUrl}/monitor`);
      await waitFor(async () => (await monitor.getByTestId("worker").count()) === 2, 30_000, "both workers on the monitor");
      const slots = monitor.getByTestId("worker-model").filter({ hasText: SLOW_MODEL }).getByTestId("slots");
      expect(await slots.textContent()).toBe("0 busy / 2 free");

      await web.chat.getByTestId("new-chat").click();
      await settings(web.chat, { maxTokens: "2000" });
      await send(web.chat, SLOW_MODEL, "Tell a long story");
      await waitFor(async () => ((await lastAnswer(web.chat).getByTestId("answer").textContent()) ?? "").length > 0, 30_000, "the first words");
      await waitFor(async () => (await slots.textContent()) === "1 busy / 1 free", 30_000, "the busy slot on the monitor");
      await monitor.screenshot({ path: join(screenshots, "monitor.png"), fullPage: true });

      await web.chat.getByTestId("composer").press("Escape");
      await lastAnswer(web.chat).getByText("Stopped.").waitFor();
      await waitFor(async () => (await slots.textContent()) === "0 busy / 2 free", 30_000, "the slot freed");
      expect(web.slowLogs.lines.some((l) => l.msg === "job finished" && l.finishReason === "cancelled")).toBe(true);
      // The stopped chat is listed among the recent requests, as the client leaving (499).
      await waitFor(async () => (await monitor.getByTestId("request").filter({ hasText: SLOW_MODEL }).filter({ hasText: "499" }).count()) === 1);
      await monitor.screenshot({ path: join(screenshots, "monitor-after-stop.png"), fullPage: true });
      await monitor.close();
    });
  });

  describe("monitor prompt reuse", () => {
    it("shows how much of each model's prompt tokens came from the slots' caches", async () => {
      const monitor = await web.browser.newPage({ viewport: { width: 1200, height: 900 } });
      await monitor.goto(`${web.stack.baseUrl}/monitor`);
      await monitor.getByTestId("monitor-status").getByText("live").waitFor();
      // The same prompt twice: the second time a slot holds all of it but its last token.
      const body = { model: BUNDLED_MODEL, prompt: "Once upon a time there was a little dog who liked to run in the park.", max_tokens: 8, seed: 4 };
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${web.stack.baseUrl}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
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
      const monitor = await web.browser.newPage({ viewport: { width: 1200, height: 900 } });
      await monitor.goto(`${web.stack.baseUrl}/monitor`);
      await monitor.getByTestId("monitor-status").getByText("live").waitFor();
      const task = await web.api<TaskView>("POST", "/api/v1/tasks", { model: BUNDLED_MODEL, prompt: "Once upon a time", params: { max_tokens: 16 } });
      const row = monitor.getByTestId("task").filter({ hasText: task.id });
      await row.getByTestId("task-status").getByText("succeeded").waitFor({ timeout: 30_000 });
      await monitor.screenshot({ path: join(screenshots, "monitor-tasks.png"), fullPage: true });
      await monitor.close();
    });
  });
}
