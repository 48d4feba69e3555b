import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lastAnswer, letters, screenshots, send, settings, SLOW_MODEL, type WebUiStack } from "../harness/web-ui-stack.js";
import { BUNDLED_MODEL, waitFor } from "../harness/test-stack.js";

/*
 * The chat page in headless Chromium (the stack: test/harness/web-ui-stack.ts): thoughts and answers
 * streaming, replies shown as text, errors, conversations kept on the server or in the browser, and
 * the page at a phone's width. The monitor page is in monitor-page.cases.ts.
 */

// What the functions run in the page reach (this program is typed for Node, without the DOM's types).
declare const window: any;
declare const document: any;
declare const MutationObserver: any;

export function chatPageCases(web: WebUiStack): void {
  describe("chat page", () => {
    it("streams the thought into its own block, then the answer, growing as tokens come", async () => {
      await waitFor(async () => (await web.chat.getByTestId("model-picker").locator("option").allTextContents()).includes(SLOW_MODEL));
      await settings(web.chat, { budget: "10", maxTokens: "200" });
      // Record what the newest reply shows at every change of the page, from before it is sent.
      await web.chat.evaluate(() => {
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
      await send(web.chat, BUNDLED_MODEL, "Once upon a time");
      await web.chat.getByTestId("send").waitFor();

      const seen = await web.chat.evaluate((): Array<{ reasoning: number; answer: number }> => window.seen);
      const answerLengths = [...new Set(seen.map((s) => s.answer).filter((n) => n > 0))];
      expect(answerLengths.length).toBeGreaterThan(2);
      // The thought was whole before the first answer text showed.
      const finalReasoning = seen.at(-1)!.reasoning;
      expect(finalReasoning).toBeGreaterThan(0);
      expect(seen.find((s) => s.answer > 0)!.reasoning).toBe(finalReasoning);

      const reply = lastAnswer(web.chat);
      const thought = await reply.getByTestId("reasoning").textContent();
      const answer = await reply.getByTestId("answer").textContent();
      expect(answer!.trim().length).toBeGreaterThan(0);
      expect(answer).not.toContain(thought!.trim());
      // Collapsed once the answer began; it opens on a click.
      expect(await reply.getByTestId("thinking").getAttribute("open")).toBeNull();
      await reply.getByTestId("thinking").locator("summary").click();
      await web.chat.screenshot({ path: join(screenshots, "chat.png") });
    });

    it("shows a reply holding HTML as text: no element of it runs or renders", async () => {
      const payload = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>";
      const schema = { type: "object", properties: { html: { enum: [payload] } }, required: ["html"] };
      await web.chat.getByTestId("new-chat").click();
      // No thought (a budget of 0): the grammar shapes the answer from its first token.
      await settings(web.chat, { budget: "0", extra: JSON.stringify({ response_format: { type: "json_schema", json_schema: { name: "page", schema } } }) });
      await send(web.chat, BUNDLED_MODEL, "Write a page");
      await web.chat.getByTestId("send").waitFor();
      const answer = lastAnswer(web.chat).getByTestId("answer");
      expect(await answer.textContent()).toContain(payload);
      expect(await answer.locator("script, img").count()).toBe(0);
      expect(await web.chat.evaluate(() => window.pwned)).toBeUndefined();
    });

    it("shows an error the API sent, with what to do about it", async () => {
      await settings(web.chat, { extra: JSON.stringify({ temperature: 9 }) });
      await send(web.chat, BUNDLED_MODEL, "Hello");
      const error = lastAnswer(web.chat).getByTestId("error");
      await error.waitFor();
      expect(await error.textContent()).toContain("temperature");
      expect(await error.textContent()).toContain("check the settings");
      await settings(web.chat, { extra: "", budget: "10" });
    });

    it("keeps conversations on the server: listed there with their messages, and in the sidebar after a reload with storage cleared", async () => {
      const kept = await web.storedConversations();
      expect(kept.map((c) => c.title)).toEqual(["Write a page", "Once upon a time"]);
      const story = kept.find((c) => c.title === "Once upon a time")!;
      const storyMessages = await web.storedMessages(story.id);
      expect(storyMessages.map((m) => [m.role, m.role === "user" ? m.content : letters(m.content).length > 0])).toEqual([
        ["user", "Once upon a time"],
        ["assistant", true],
      ]);
      // The refused "Hello" has no answer kept: only what was said.
      const page = kept.find((c) => c.title === "Write a page")!;
      expect((await web.storedMessages(page.id)).map((m) => [m.role, m.role === "user" ? m.content : "…"])).toEqual([
        ["user", "Write a page"],
        ["assistant", "…"],
        ["user", "Hello"],
      ]);

      await web.chat.evaluate(() => window.localStorage.clear());
      await web.chat.reload();
      const list = web.chat.getByTestId("conversation-list");
      await list.getByText("Once upon a time").waitFor();
      expect(await list.getByTestId("conversation").count()).toBe(2);
      await list.getByText("Once upon a time").click();
      await lastAnswer(web.chat).waitFor();
      expect(await web.chat.getByTestId("turn-user").allTextContents()).toEqual(["Once upon a time"]);
      expect(letters(await lastAnswer(web.chat).getByTestId("answer").textContent())).toBe(letters(storyMessages[1]!.content));
      await web.chat.screenshot({ path: join(screenshots, "chat-reloaded.png") });
    });

    it("regenerates, replacing the last answer on the server too; renames and deletes there", async () => {
      // The settings were in the cleared storage too.
      await settings(web.chat, { budget: "10", maxTokens: "200" });
      const story = (await web.storedConversations()).find((c) => c.title === "Once upon a time")!;
      await web.chat.getByTestId("regenerate").click();
      await web.chat.getByTestId("send").waitFor();
      expect(await web.chat.getByTestId("turn-assistant").count()).toBe(1);
      const again = letters(await lastAnswer(web.chat).getByTestId("answer").textContent());
      expect(again.length).toBeGreaterThan(0);
      await waitFor(async () => {
        const stored = await web.storedMessages(story.id);
        return stored.length === 2 && letters(stored[1]!.content) === again;
      }, 10_000, "the new answer kept in place of the old one");

      const page = (await web.storedConversations()).find((c) => c.title === "Write a page")!;
      await web.chat.getByRole("button", { name: "Rename Write a page" }).click();
      await web.chat.getByTestId("rename-input").fill("A page of HTML");
      await web.chat.getByTestId("rename-input").press("Enter");
      await waitFor(async () => (await web.storedConversations()).some((c) => c.id === page.id && c.title === "A page of HTML"), 10_000, "the new title kept");
      await web.chat.getByRole("button", { name: "Delete A page of HTML" }).click();
      await waitFor(async () => !(await web.storedConversations()).some((c) => c.id === page.id), 10_000, "the conversation deleted");
      expect(await web.chat.getByTestId("conversation-list").getByText("A page of HTML").count()).toBe(0);
    });

    it("keeps conversations in the browser, saying so, when the conversations API cannot be reached", async () => {
      const offline = await web.browser.newPage({ viewport: { width: 1200, height: 800 } });
      await offline.route("**/api/v1/conversations**", (route) => route.abort("connectionrefused"));
      await offline.goto(`${web.stack.baseUrl}/`);
      const note = offline.getByTestId("storage-note");
      await note.waitFor();
      expect(await note.textContent()).toContain("kept in this browser only");
      await settings(offline, { maxTokens: "16" });
      await send(offline, BUNDLED_MODEL, "Kept in the browser");
      await offline.getByTestId("send").waitFor();
      await offline.reload();
      await offline.getByTestId("conversation-list").getByText("Kept in the browser").waitFor();
      expect(await offline.getByTestId("turn-user").allTextContents()).toEqual(["Kept in the browser"]);
      expect((await web.storedConversations()).some((c) => c.title === "Kept in the browser")).toBe(false);
      await offline.close();
    });
  });
  describe("phone width", () => {
    it("fits the chat into a narrow screen; Shift+Enter starts a new line", async () => {
      const phone = await web.browser.newPage({ viewport: { width: 390, height: 780 }, isMobile: true });
      await phone.goto(`${web.stack.baseUrl}/`);
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
}
