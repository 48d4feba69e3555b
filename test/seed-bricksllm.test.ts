import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BricksEvent, BricksKey, BricksProblem, BricksProviderSetting } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { loadAdminConfig, startAdmin, type RunningAdmin } from "../services/admin/src/index.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * The BricksLLM document (seeds/000): its admin calls on the admin port, as written (no admin
 * token: the document's local default), and its frontend's call on the gateway's port, against
 * a stack provisioned as `npm start` provisions it (`llama-cpp-root` is the worker fleet).
 */

const FRONTEND_KEY = "sk-bricksllm-frontend-llama-key-explicit";
const SYSTEM_PROMPT = "You are DictaLM, a helpful assistant.";
let stack: TestStack;
let admin: RunningAdmin;
let dataDir: string;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
  // BricksLLM's own variable names for the worker's settings.
  await stack.startWorker({ SYSTEM_PROMPT, CONTEXT_SIZE: "2048" });
  dataDir = mkdtempSync(join(tmpdir(), "lantern-seed-bricksllm-"));
  admin = await startAdmin(
    loadAdminConfig({
      NATS_URL: stack.nats.url,
      NATS_NAMESPACE: stack.nats.namespace,
      ADMIN_PORT: "0",
      LANTERN_DATA_DIR: dataDir,
      ADMIN_FLEET_PROVIDERS: "llama-cpp-root",
    }),
    createLogger({ service: "admin", level: "silent" }),
  );
}, 60_000);

afterAll(async () => {
  await admin?.stop(1_000);
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A call as the document's curl makes it: JSON in, the status and JSON out. */
async function call(base: string, method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

/** The frontend's call: `POST /api/custom/providers/llama-cpp-root/chat/completions` with its key. */
const frontend = (body: Record<string, unknown>, path = "/api/custom/providers/llama-cpp-root/chat/completions") =>
  call(stack.baseUrl, "POST", path, body, FRONTEND_KEY);

const question = { model: BUNDLED_MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8, temperature: 0 };

describe("the BricksLLM document's calls", () => {
  let keyId: string;

  it("configures the provider and the frontend key on the admin port", async () => {
    expect((await call(admin.url, "GET", "/api/health")).status).toBe(200);
    const setting = await call(admin.url, "PUT", "/api/provider-settings", { provider: "llama-cpp-root", setting: {}, name: "llama-cpp-root" });
    expect(setting.status).toBe(200);
    const { id } = BricksProviderSetting.parse(setting.body);
    const created = await call(admin.url, "PUT", "/api/key-management/keys", {
      name: "Frontend Llama Key",
      key: FRONTEND_KEY,
      tags: ["frontend"],
      settingIds: [id],
      allowedPaths: [{ path: "/chat/completions", method: "POST" }],
    });
    expect(created.status).toBe(200);
    const key = BricksKey.parse(created.body);
    expect(key).toMatchObject({ name: "Frontend Llama Key", key: FRONTEND_KEY, revoked: false, allowedPaths: [{ path: "/chat/completions" }] });
    keyId = key.keyId;
    const listed = await call(admin.url, "GET", "/api/key-management/keys?tag=frontend");
    expect(BricksKey.array().parse(listed.body).map((k) => k.keyId)).toEqual([keyId]);
    // The gateways hold the key once the open gateway refuses a call without it.
    await waitFor(async () => (await call(stack.baseUrl, "POST", "/v1/chat/completions", question)).status === 401, 10_000, "key known");
  });

  it("answers the frontend's call from the local model, whole and streamed", async () => {
    const whole = await frontend(question);
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ object: "chat.completion", model: BUNDLED_MODEL, choices: [{ message: { role: "assistant" } }] });
    expect(typeof whole.body.choices[0].message.content).toBe("string");
    expect(whole.body.usage.completion_tokens).toBeGreaterThan(0);

    const streamed = await frontend({ ...question, stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.body).toContain('"chat.completion.chunk"');
    expect(streamed.body.trim().endsWith("data: [DONE]")).toBe(true);

    // llama-server serves one model whatever is named; without a name the fleet's only one answers.
    const { model: _model, ...unnamed } = question;
    expect((await frontend(unnamed)).body.model).toBe(BUNDLED_MODEL);
  });

  it("puts the configured system prompt (SYSTEM_PROMPT) first in a chat that has none", async () => {
    const implicit = await frontend(question);
    const explicit = await frontend({ ...question, messages: [{ role: "system", content: SYSTEM_PROMPT }, ...question.messages] });
    const other = await frontend({ ...question, messages: [{ role: "system", content: "Be brief." }, ...question.messages] });
    expect(implicit.body.usage.prompt_tokens).toBe(explicit.body.usage.prompt_tokens);
    expect(implicit.body.usage.prompt_tokens).toBeGreaterThan(other.body.usage.prompt_tokens);
  });

  it("holds the frontend key to its allowed path", async () => {
    const elsewhere = await call(stack.baseUrl, "POST", "/v1/chat/completions", question, FRONTEND_KEY);
    expect(elsewhere.status).toBe(403);
  });

  it("lists the calls as events with BricksLLM's fields and unix times", async () => {
    const now = Math.floor(Date.now() / 1000);
    let events: BricksEvent[] = [];
    await waitFor(async () => {
      const res = await call(admin.url, "GET", `/api/events?keyIds=${keyId}&start=${now - 300}&end=${now + 300}`);
      events = BricksEvent.array().parse(res.body);
      // Each request's event is stored on its own: the refused one may land after the others.
      return events.filter((e) => e.status === 200).length >= 6 && events.some((e) => e.status === 403);
    }, 10_000, "events stored");
    const event = events.find((e) => e.status === 200)!;
    expect(event).toMatchObject({ key_id: keyId, tags: ["frontend"], path: "/api/custom/providers/llama-cpp-root/chat/completions", method: "POST", model: BUNDLED_MODEL });
    expect(event.prompt_token_count).toBeGreaterThan(0);
    expect(Math.abs(event.created_at - now)).toBeLessThan(300);
    expect(events.some((e) => e.status === 403 && e.path === "/v1/chat/completions")).toBe(true);
  });

  it("revokes the key by PATCH, and the frontend's call is refused", async () => {
    const patched = await call(admin.url, "PATCH", `/api/key-management/keys/${keyId}`, { revoked: true, revokedReason: "rotated" });
    expect(BricksKey.parse(patched.body).revoked).toBe(true);
    await waitFor(async () => (await frontend(question)).status === 401, 10_000, "revocation known");
  });

  it("answers bad input in BricksLLM's problem shape", async () => {
    const cases: Array<[string, string, unknown, number]> = [
      ["PUT", "/api/key-management/keys", { name: "no secret" }, 400],
      ["PUT", "/api/key-management/keys", "{not json", 400],
      ["PUT", "/api/key-management/keys", { name: "n", key: "sk-0123456789abcdef", rateLimitUnit: "m" }, 400],
      ["PATCH", "/api/key-management/keys/nobody", { revoked: true }, 404],
      ["GET", "/api/events?keyIds=nobody", undefined, 400],
      ["PUT", "/api/provider-settings", { provider: "azure", setting: { apikey: "x" } }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await call(admin.url, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(BricksProblem.parse(res.body)).toMatchObject({ status, instance: expect.stringMatching(/^\/api\//) });
    }
  });
});
