import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@lantern/gateway";
import { useTestDatabase, type TestDatabase } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";
import { useTestNats, waitFor, type TestNats } from "@lantern/shared/testing";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../services/admin/src/index.js";
import { ensureWeb } from "../scripts/ensure-web.mjs";
import { capturingLogger } from "./harness/log-capture.js";
import { repoRoot } from "./harness/test-stack.js";

/* The keys page in headless Chromium: the gateway forwards its calls to a real admin service. */

const ADMIN_TOKEN = "web-keys-admin-token-0123456789";
declare const navigator: any;

let nats: TestNats;
let database: TestDatabase;
let dataDir: string;
let admin: RunningAdmin;
let gateway: RunningGateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!ensureWeb()) throw new Error("the web app could not be built");
  nats = await useTestNats();
  database = await useTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "lantern-web-keys-"));
  const base = { NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
  admin = await startAdmin(
    loadAdminConfig({ ...base, ADMIN_PORT: "0", ADMIN_TOKEN, DATABASE_URL: database.url, LANTERN_DATA_DIR: dataDir }),
    createLogger({ service: "admin", level: "silent" }),
  );
  gateway = await startGateway(loadGatewayConfig({ ...base, GATEWAY_PORT: "0", GATEWAY_ADMIN_URL: admin.url }), capturingLogger("gateway").logger);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop(1_000);
  await admin?.stop(1_000);
  await nats?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const models = (secret?: string) => fetch(`${gateway.url}/v1/models`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} }).then((r) => r.status);

it("creates a key shown once with a copy button, edits its limits and revokes it, through the admin token", async () => {
  await page.goto(`${gateway.url}/keys`);
  // Without the admin token the admin service refuses, and the page says what to do.
  await page.getByTestId("keys-error").waitFor();
  expect(await page.getByTestId("keys-error").textContent()).toContain("ADMIN_TOKEN");
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Use" }).click();
  await page.getByTestId("keys-error").waitFor({ state: "detached" });

  await page.getByTestId("key-name").fill("team-a");
  await page.getByRole("button", { name: "Create" }).click();
  const secret = (await page.getByTestId("secret").textContent())!;
  expect(secret.length).toBeGreaterThan(16);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await page.screenshot({ path: join(repoRoot, ".data", "test-output", "web", "keys.png") });

  // The key is live at the gateway: keys are now required, and this one works.
  await waitFor(async () => (await models()) === 401 && (await models(secret)) === 200, 10_000, "the key at the gateway");
  const row = page.getByTestId("key-row").filter({ hasText: "team-a" });
  await row.getByRole("button", { name: "Limits" }).click();
  await page.getByLabel("Requests/min").last().fill("5");
  await page.getByRole("button", { name: "Save limits" }).click();
  await row.getByText("5 requests/min").waitFor();

  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByText("revoked").waitFor();
  await waitFor(async () => (await models(secret)) === 401, 10_000, "the revoked key refused");
  // The secret is shown once: after a reload only its prefix is listed.
  await page.reload();
  await page.getByTestId("key-row").first().waitFor();
  expect(await page.content()).not.toContain(secret);
});
