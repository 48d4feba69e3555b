import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { loadInferenceConfig, startWorker, type RunningWorker } from "@lantern/inference";
import { FetcherConfig, startModelFetcher, type ModelFetcher } from "@lantern/model-fetcher";
import { startFakeHub, type FakeHub } from "@lantern/model-fetcher/testing";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../services/admin/src/index.js";
import { ensureWeb } from "../scripts/ensure-web.mjs";
import { capturingLogger } from "./harness/log-capture.js";
import { repoRoot } from "./harness/test-stack.js";

/*
 * The Models page in headless Chromium against a gateway, an admin service, a model fetcher pulling
 * from a local stand-in for the Hugging Face hub, and a worker sharing the fetcher's models dir.
 */

const ADMIN_TOKEN = "web-models-admin-token-0123456789";
const REPO = "ggml-org/models";
const FILE = "tinyllamas/stories260K.gguf";
const PULLED = "stories260K";
const screenshots = join(repoRoot, ".data", "test-output", "web");
const silent = (service: string) => createLogger({ service, level: "silent" });

let nats: TestNats;
let database: TestDatabase;
let root: string;
let modelsDir: string;
let hub: FakeHub;
let admin: RunningAdmin;
let fetcher: ModelFetcher;
let worker: RunningWorker;
let gateway: RunningGateway;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!ensureWeb()) throw new Error("the web app could not be built");
  mkdirSync(screenshots, { recursive: true });
  const bundled = join(repoRoot, "models", "stories260K.gguf");
  hub = await startFakeHub({ repos: { [REPO]: { files: { [FILE]: readFileSync(bundled) } } } });
  nats = await useTestNats();
  database = await useTestDatabase();
  root = mkdtempSync(join(tmpdir(), "lantern-web-models-"));
  modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  // The worker needs a model to start with; the pulled one is loaded later from the page.
  copyFileSync(bundled, join(modelsDir, "base.gguf"));
  const base = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
  admin = await startAdmin(
    loadAdminConfig({ ...base, ADMIN_PORT: "0", ADMIN_TOKEN, DATABASE_URL: database.url, LANTERN_DATA_DIR: join(root, "data"), MODELS_DIR: modelsDir }),
    silent("admin"),
  );
  fetcher = await startModelFetcher({
    config: FetcherConfig.parse({ ...base, MODELS_DIR: modelsDir, HF_ENDPOINT: hub.url, FETCHER_SEED_MODEL: "", FETCHER_PROGRESS_INTERVAL_MS: "100" }),
    logger: silent("model-fetcher"),
  });
  worker = await startWorker(
    loadInferenceConfig({ ...base, MODELS_DIR: modelsDir, INFERENCE_MODELS: "base=base.gguf", INFERENCE_SLOTS: "1", INFERENCE_THREADS: "1", INFERENCE_HEARTBEAT_MS: "300" }),
    silent("inference"),
  );
  gateway = await startGateway(loadGatewayConfig({ ...base, GATEWAY_PORT: "0", GATEWAY_ADMIN_URL: admin.url }), capturingLogger("gateway").logger);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => {
    // The page's refused calls (401 before the token, the cancel's 409 race) are logged by Chromium as resource errors.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) consoleErrors.push(m.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(err.message));
  page.on("dialog", (dialog) => void dialog.accept());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop(1_000);
  await worker?.stop();
  await fetcher?.stop();
  await admin?.stop(1_000);
  await nats?.stop();
  await database?.drop();
  await hub?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const row = (name: string) => page.getByTestId("model-row").and(page.locator(`[data-model="${name}"]`));
const shot = (name: string) => page.screenshot({ path: join(screenshots, `models-${name}.png`) });

it("asks for the admin token in words before showing anything", async () => {
  await page.goto(`${gateway.url}/models`);
  await page.getByTestId("models-list-error").waitFor();
  expect(await page.getByTestId("models-list-error").textContent()).toContain("ADMIN_TOKEN");
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Use" }).click();
  await page.getByTestId("models-list-error").waitFor({ state: "detached" });
  await row("base").waitFor();
  expect(await row("base").getByTestId("placement").getAttribute("data-state")).toBe("loaded");
  expect(await page.getByTestId("preset-picker").locator("option").count()).toBeGreaterThan(0);
});

it("cancels a slow pull, then pulls the file from the hub with the progress bar reaching 100%", async () => {
  hub.faults = { bytesPerSecond: 150_000 };
  await page.getByTestId("pull-repo").fill(REPO);
  await page.getByTestId("pull-file").fill(FILE);
  await page.getByRole("button", { name: "Pull file" }).click();
  const status = page.getByTestId("pull-status");
  await waitFor(async () => (await status.getAttribute("data-phase")) === "downloading" && parseInt((await page.getByTestId("pull-percent").textContent()) ?? "0") > 0, 30_000, "progress");
  await shot("pulling");
  await page.getByRole("button", { name: "Cancel" }).click();
  await waitFor(async () => (await status.getAttribute("data-phase")) === "failed", 30_000, "the cancel");
  expect(await status.textContent()).toContain("cancelled");

  hub.faults = {};
  await page.getByRole("button", { name: "Pull file" }).click();
  await waitFor(async () => (await status.getAttribute("data-phase")) === "done", 60_000, "the pull to finish");
  expect(await page.getByTestId("pull-percent").textContent()).toBe("100%");
  expect(await page.getByTestId("pull-progress").getAttribute("aria-valuenow")).toBe("100");
  await row(PULLED).waitFor();
  expect(await row(PULLED).textContent()).toContain("llama");
  expect(existsSync(join(modelsDir, FILE))).toBe(true);
  await shot("pulled");
});

it("shows the worker's estimate before loading, loads the model on the worker and unloads it", async () => {
  await row(PULLED).getByRole("button", { name: "Load…" }).click();
  const fit = page.getByTestId("fit");
  await fit.waitFor();
  expect(await fit.getAttribute("data-fits")).toBe("true");
  expect(await page.getByTestId("fit-ram").textContent()).toMatch(/\d+(\.\d)? (KB|MB|GB)/);
  await shot("fit");

  // A refusal comes back in words: slots beyond what a worker takes. What is typed survives the
  // page's periodic re-read of the fleet while the field still has focus.
  await page.getByLabel("Slots").fill("65");
  await page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/workers"));
  await page.waitForTimeout(100);
  expect(await page.getByLabel("Slots").inputValue()).toBe("65");
  await page.getByTestId("load-error").waitFor();
  expect(await page.getByTestId("load-error").textContent()).toMatch(/Estimating the memory failed: .*slots/);
  await page.getByLabel("Slots").fill("1");
  await page.getByTestId("load-error").waitFor({ state: "detached" });

  await page.getByTestId("load-confirm").click();
  await page.getByTestId("models-notice").waitFor();
  const placement = row(PULLED).getByTestId("placement");
  await waitFor(async () => (await placement.count()) === 1 && (await placement.getAttribute("data-state")) === "loaded", 30_000, "the placement");
  const served = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
  expect(served.data.map((m) => m.id)).toContain(PULLED);
  await shot("loaded");

  await placement.getByRole("button", { name: "Unload" }).click();
  await waitFor(async () => (await placement.count()) === 0, 30_000, "the placement to go");
  expect(await page.getByTestId("models-notice").textContent()).toContain("unloaded");
});

it("deletes the file with the admin token, and says why when the token is wrong", async () => {
  await page.getByLabel("Admin token").fill("not-the-admin-token-0000000000");
  await page.getByRole("button", { name: "Use" }).click();
  await row(PULLED).getByRole("button", { name: "Delete" }).click();
  await page.getByTestId("models-error").waitFor();
  expect(await page.getByTestId("models-error").textContent()).toMatch(/Deleting stories260K failed: .*ADMIN_TOKEN/);
  expect(existsSync(join(modelsDir, FILE))).toBe(true);

  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Use" }).click();
  await row(PULLED).getByRole("button", { name: "Delete" }).click();
  await row(PULLED).waitFor({ state: "detached" });
  expect(existsSync(join(modelsDir, FILE))).toBe(false);
  await shot("deleted");
  expect(consoleErrors).toEqual([]);
});
