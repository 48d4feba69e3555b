import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { CreatedKey, UsageAggregates } from "@lantern/shared/contracts";
import { waitFor } from "@lantern/shared/testing";
import { BUNDLED_MODEL } from "./harness/test-stack.js";
import { ADMIN_TOKEN, OTHER_MODEL, screenshots, useWebUsageStack } from "./harness/web-usage-stack.js";

/*
 * The Usage page shows what the test's own requests recorded (by model, key and status, over time,
 * with first-token and latency percentiles per model), and the chat page opens on the bundled model
 * and shows each answer's tokens, time to first token and worker.
 */

// The browser's, used inside page scripts (this file is type-checked without the DOM library).
declare const localStorage: { setItem(key: string, value: string): void };

const web = useWebUsageStack();
const VIEWPORT = { width: 1280, height: 800 };

interface Completion {
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** What the test sent per model, from the answers' own usage. */
const sent = new Map<string, { requests: number; errors: number; promptTokens: number; completionTokens: number }>();
const keys: Record<"a" | "b", CreatedKey> = {} as never;

async function chat(key: CreatedKey, model: string, text: string) {
  const { status, body } = await web.gatewayApi<Completion>(key.key, "/v1/chat/completions", { model, messages: [{ role: "user", content: text }], max_tokens: 8 });
  const mine = sent.get(model) ?? { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 };
  mine.requests++;
  if (status >= 400) mine.errors++;
  else {
    mine.promptTokens += body.usage.prompt_tokens;
    mine.completionTokens += body.usage.completion_tokens;
  }
  sent.set(model, mine);
  return status;
}

const stored = async (groupBy: string) => (await web.adminApi<UsageAggregates>("GET", `/api/events/aggregates?groupBy=${groupBy}`)).groups;
/** Requests that named a model: the chat completions (the key checks' `GET /v1/models` name none). */
const storedModelRequests = async () => (await stored("model")).filter((g) => g.group !== "").reduce((n, g) => n + g.requests, 0);
const cell = (page: Page, table: string, group: string, column: string) => page.getByTestId(table).locator(`tr[data-group="${group}"]`).getByTestId(column).textContent();
const totals = async (page: Page, chart: string) => JSON.parse((await page.getByTestId(chart).getAttribute("data-totals"))!) as Record<string, number>;

beforeAll(async () => {
  // Prices make costs; keys make the gateway require a key from then on.
  await web.adminApi("POST", "/api/prices", { model: BUNDLED_MODEL, inputPerMTokUsd: 1000, outputPerMTokUsd: 3000 });
  await web.adminApi("POST", "/api/prices", { model: OTHER_MODEL, inputPerMTokUsd: 500, outputPerMTokUsd: 500 });
  keys.a = await web.adminApi<CreatedKey>("POST", "/api/key-management/keys", { name: "team-a" });
  keys.b = await web.adminApi<CreatedKey>("POST", "/api/key-management/keys", { name: "team-b" });
  const listed = (key: CreatedKey) => fetch(`${web.stack.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key.key}` } }).then((r) => r.status);
  await waitFor(async () => (await listed(keys.a)) === 200 && (await listed(keys.b)) === 200, 10_000, "both keys at the gateway");
});

describe("the Usage page", () => {
  it("shows the requests made, by model, key and status, with charts over time and latency per model", async () => {
    for (const text of ["Once upon a time", "A cat sat", "The sun"]) expect(await chat(keys.a, BUNDLED_MODEL, text)).toBe(200);
    for (const text of ["Review this", "And this"]) expect(await chat(keys.b, OTHER_MODEL, text)).toBe(200);
    expect(await chat(keys.b, "no-such-model", "Hello")).toBe(404);
    await waitFor(async () => (await storedModelRequests()) === 6, 30_000, "the six chat completions' usage events stored");
    // The key checks' model list calls are requests too, and the page counts them.
    const byModel = await stored("model");
    const listCalls = byModel.find((g) => g.group === "")?.requests ?? 0;

    const page = await web.browser.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    await page.goto(`${web.stack.baseUrl}/usage`);
    // The admin service wants its token: the page asks for it.
    await page.getByTestId("usage-error").waitFor();
    expect(await page.getByTestId("usage-error").textContent()).toContain("ADMIN_TOKEN");
    errors.length = 0; // the refused call's own console line
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Use" }).click();
    await page.getByTestId("usage-groups").waitFor();

    expect(await page.getByTestId("total-requests").getByTestId("value").textContent()).toBe(String(6 + listCalls));
    expect(await page.getByTestId("total-errors").getByTestId("value").textContent()).toBe(String(byModel.reduce((n, g) => n + g.errors, 0)));
    for (const [model, mine] of sent) {
      expect(await cell(page, "usage-groups", model, "requests"), model).toBe(String(mine.requests));
      expect(await cell(page, "usage-groups", model, "prompt-tokens"), model).toBe(mine.promptTokens.toLocaleString("en-US"));
      expect(await cell(page, "usage-groups", model, "completion-tokens"), model).toBe(mine.completionTokens.toLocaleString("en-US"));
      expect((await cell(page, "usage-groups", model, "errors"))!.startsWith(String(mine.errors)), model).toBe(true);
    }
    const bundledCost = byModel.find((g) => g.group === BUNDLED_MODEL)!.costUsd;
    expect(bundledCost).toBeGreaterThan(0);
    expect(await cell(page, "usage-groups", BUNDLED_MODEL, "cost")).toBe(`$${bundledCost >= 0.01 ? bundledCost.toFixed(2) : bundledCost.toPrecision(2)}`);
    // The charts draw the same requests and errors, by model.
    expect(await totals(page, "chart-requests")).toMatchObject({ [BUNDLED_MODEL]: 3, [OTHER_MODEL]: 2, "no-such-model": 1 });
    expect((await totals(page, "chart-errors"))["no-such-model"]).toBe(1);
    const tokens = await totals(page, "chart-tokens");
    expect(tokens["completion"]).toBe([...sent.values()].reduce((n, m) => n + m.completionTokens, 0));
    // First-token and latency percentiles for each model that answered.
    for (const model of [BUNDLED_MODEL, OTHER_MODEL]) {
      expect(await cell(page, "usage-latency", model, "requests")).toBe(String(sent.get(model)!.requests));
      expect(await cell(page, "usage-latency", model, "ttft-p50")).toMatch(/^\d[\d.,]* (ms|s)$/);
      expect(await cell(page, "usage-latency", model, "latency-p95")).toMatch(/^\d[\d.,]* (ms|s)$/);
    }
    await page.screenshot({ path: join(screenshots, "usage.png") });
    // The page scrolls inside its main element: the tables below the charts.
    await page.locator("main.page").evaluate((main) => main.scrollTo(0, main.scrollHeight));
    await page.screenshot({ path: join(screenshots, "usage-tables.png") });

    // By key, named as on the Keys page, as admin stored them.
    await page.getByTestId("usage-grouping").selectOption("key");
    await page.locator(`[data-testid="usage-groups"] tr[data-group="${keys.a.id}"]`).waitFor();
    expect(await page.locator(`[data-testid="usage-groups"] tr[data-group="${keys.a.id}"] td.name`).textContent()).toBe("team-a");
    const byKey = await stored("key");
    for (const key of [keys.a, keys.b]) {
      const requests = byKey.find((g) => g.group === key.id)!.requests;
      // Its chat completions, and its model list calls.
      expect(requests).toBeGreaterThanOrEqual(3);
      expect(await cell(page, "usage-groups", key.id, "requests")).toBe(String(requests));
      expect((await totals(page, "chart-requests"))[key.name]).toBe(requests);
    }
    // By status, with its meaning: the unknown model's 404 is the one error.
    await page.getByTestId("usage-grouping").selectOption("status");
    await page.locator('[data-testid="usage-groups"] tr[data-group="404"]').waitFor();
    const byStatus = await stored("status");
    expect(await cell(page, "usage-groups", "200", "requests")).toBe(String(byStatus.find((g) => g.group === "200")!.requests));
    expect(await page.locator('[data-testid="usage-groups"] tr[data-group="404"] td.name').textContent()).toBe("404 not found");
    expect(await cell(page, "usage-groups", "404", "requests")).toBe(String(byStatus.find((g) => g.group === "404")!.requests));
    // The last hour holds them all too, drawn per minute.
    await page.getByTestId("usage-range").selectOption("1h");
    await page.getByTestId("usage-grouping").selectOption("model");
    await page.locator(`[data-testid="usage-groups"] tr[data-group="${BUNDLED_MODEL}"]`).waitFor();
    expect(await page.getByTestId("total-requests").getByTestId("value").textContent()).toBe(String(6 + listCalls));
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("the chat page", () => {
  it("opens on the bundled model and shows an answer's tokens, time to first token and worker", async () => {
    const page = await web.browser.newPage({ viewport: VIEWPORT });
    await page.addInitScript((key) => localStorage.setItem("lantern.apiKey", key), keys.a.key);
    await page.goto(`${web.stack.baseUrl}/`);
    const picker = page.getByTestId("model-picker");
    await waitFor(async () => (await picker.locator("option").count()) === 2, 10_000, "both models listed");
    // The other model is listed first: the bundled one is picked anyway.
    expect(await picker.locator("option").allTextContents()).toEqual([OTHER_MODEL, BUNDLED_MODEL]);
    expect(await picker.inputValue()).toBe(BUNDLED_MODEL);

    await page.getByTestId("composer").fill("Once upon a time");
    await page.getByTestId("composer").press("Enter");
    const figures = page.getByTestId("turn-assistant").last().getByTestId("answer-figures");
    await figures.waitFor();
    expect(await figures.getByTestId("figure-tokens").textContent()).toMatch(/^\d+ tokens? in.* · \d+ tokens? out$/);
    expect(await figures.getByTestId("figure-ttft").textContent()).toMatch(/^first token \d[\d,]* ms$/);
    expect(await figures.getByTestId("figure-worker").textContent()).toBe(`worker ${web.bundledWorkerId}`);
    await page.screenshot({ path: join(screenshots, "chat-figures.png") });
    await page.close();
  });
});
