import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, type KeyPolicy } from "@lantern/shared/contracts";
import { ensureBuckets, ensureEdgeBuckets } from "@lantern/shared/nats";
import { usageEventsInStream } from "@lantern/shared/testing";
import { loadInferenceConfig, startSyntheticWorker, type RunningWorker } from "@lantern/inference";
import { call, expectOpenAiError, withinOneMinute } from "../../../../test/harness/edge-policy-stack.js";
import { capturingLogger } from "../../../../test/harness/log-capture.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "../../../../test/harness/test-stack.js";
import { ApiError } from "../errors/api-error.js";
import { countPromptTokens } from "../jobs/tokenizer-client.js";
import { WorkerRegistry } from "../workers/worker-registry.js";

let stack: TestStack;
let nc: NatsConnection;
let model: LlamaModel;
let synthetic: RunningWorker | undefined;
let secret: string;

async function putKey(keyId: string, over: Partial<KeyPolicy> = {}): Promise<string> {
  const { keys } = await ensureEdgeBuckets(nc, natsNames(stack.nats.namespace));
  const key = `sk-tokens-${keyId}-${Math.random().toString(36).slice(2)}`;
  await keys.put(hashApiKey(key), JSON.stringify(unrestrictedKeyPolicy(keyId, over)));
  return key;
}

const post = (path: string, body: unknown, key = secret) => call(stack.baseUrl, path, key, body);

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto" } });
  nc = await connect({ servers: stack.nats.url });
  model = (await stack.startWorker()).worker.models[0]!.model;
  secret = await putKey("open");
  // Open until the gateway sees the first key: then a wrong one is refused.
  await waitFor(async () => (await post("/tokenize", { content: "x" }, "sk-wrong")).status === 401);
});
afterAll(async () => {
  await synthetic?.stop();
  await nc?.close();
  await stack?.stop();
});

describe("POST /tokenize and /detokenize (llama.cpp server's shapes)", () => {
  it("answers token ids, or ids with pieces, for the fleet's only model when none is named", async () => {
    const plain = await post("/tokenize", { content: "Once upon a time" });
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ tokens: model.tokenize("Once upon a time", true) });
    const special = await post("/v1/tokenize", { content: "Once", add_special: true, with_pieces: true, model: BUNDLED_MODEL, extra: 1 });
    expect(special.body).toEqual({ tokens: [{ id: model.tokens.bos, piece: "<s>" }, { id: model.tokenize("Once")[0], piece: " Once" }] });
    const bytes = await post("/tokenize", { content: "☕", with_pieces: true });
    expect((bytes.body as { tokens: Array<{ piece: unknown }> }).tokens.slice(-3).map((t) => t.piece)).toEqual([[0xe2], [0x98], [0x95]]);
  });

  it("detokenizes back to the text", async () => {
    const text = "Once upon a time, a café ☕.";
    const { tokens } = (await post("/tokenize", { content: text })).body as { tokens: number[] };
    for (const path of ["/detokenize", "/v1/detokenize"]) {
      const res = await post(path, { tokens });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ content: text });
    }
  });

  it("refuses bad fields with a 400 naming them, and an unknown model with a 404", async () => {
    const notText = await post("/tokenize", { content: 5 });
    expectOpenAiError(notText, 400, "invalid_request_error", notText.body.error.code);
    expect(notText.body.error.param).toBe("content");
    expect((await post("/detokenize", { tokens: [1, -2] })).body.error.param).toBe("tokens[1]");
    const outside = await post("/detokenize", { tokens: [1, 99_999] });
    expectOpenAiError(outside, 400, "invalid_request_error", "invalid_value");
    expect(outside.body.error.param).toBe("tokens[1]");
    const unknown = await post("/tokenize", { content: "x", model: "no-such-model" });
    expectOpenAiError(unknown, 404, "invalid_request_error", "model_not_found");
    expect(unknown.body.error.param).toBe("model");
    expect((await post("/tokenize", { content: "x" }, "sk-wrong")).status).toBe(401);
  });

  it("counts each request against the key's request limit, with a usage event of 0 tokens", async () => {
    const limited = await putKey("limited", { rateLimits: [{ kind: "requests", limit: 2, windowSeconds: 60 }] });
    // Known to the gateway once its KV watch has it; listing models is not admitted, so it uses none of the limit.
    await waitFor(async () => (await call(stack.baseUrl, "/v1/models", limited)).status === 200);
    const answers = await withinOneMinute(10, async () => [
      await post("/tokenize", { content: "Once" }, limited),
      await post("/detokenize", { tokens: [403] }, limited),
      await post("/tokenize", { content: "Once" }, limited),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    const ids = answers.slice(0, 2).map((a) => a.requestId);
    const names = natsNames(stack.nats.namespace);
    let events: Awaited<ReturnType<typeof usageEventsInStream>> = [];
    await waitFor(async () => {
      events = (await usageEventsInStream(nc, names)).filter((e) => ids.includes(e.requestId));
      return events.length === 2;
    });
    for (const e of events) expect(e).toMatchObject({ keyId: "limited", model: BUNDLED_MODEL, status: 200, promptTokens: 0, completionTokens: 0 });
    expect(events.map((e) => e.path).sort()).toEqual(["/detokenize", "/tokenize"]);
  });

  it("needs 'model' once the fleet serves more than one", async () => {
    const env = { NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, INFERENCE_SYNTHETIC_MODEL: "synthetic" };
    synthetic = await startSyntheticWorker(loadInferenceConfig(env), capturingLogger("inference").logger);
    await waitFor(async () => (await post("/tokenize", { content: "x", model: "synthetic" })).status === 200);
    const missing = await post("/tokenize", { content: "x" });
    expectOpenAiError(missing, 400, "invalid_request_error", "missing_model");
    expect(missing.body.error.param).toBe("model");
    expect(missing.body.error.message).toContain("synthetic");
    expect((await post("/tokenize", { content: "hé", model: "synthetic" })).body).toEqual({ tokens: [0x68, 0xe9] });
  });
});

describe("countPromptTokens, for the protocols that answer token counts", () => {
  it("equals the prompt tokens a generation of the same chat reports, and refuses an unknown model as generation does", async () => {
    const buckets = await ensureBuckets(nc, natsNames(stack.nats.namespace), { workerTtlMs: 3_000 });
    const registry = new WorkerRegistry({ ...buckets, heartbeatTtlMs: 3_000, logger: capturingLogger("registry").logger });
    await registry.start();
    const deps = { nats: { nc, connected: true }, registry, config: { NATS_NAMESPACE: stack.nats.namespace } };
    try {
      await waitFor(async () => registry.recentWorkersFor(BUNDLED_MODEL).length > 0);
      const messages = [{ role: "user" as const, content: "Tell me a story about a frog." }];
      const generated = await post("/v1/chat/completions", { model: BUNDLED_MODEL, messages, max_tokens: 1 });
      expect(await countPromptTokens(deps, BUNDLED_MODEL, { kind: "chat", messages })).toBe(generated.body.usage.prompt_tokens);
      const unknown = await countPromptTokens(deps, "no-such-model", { kind: "chat", messages }).catch((err: unknown) => err);
      expect(unknown).toBeInstanceOf(ApiError);
      expect(unknown).toMatchObject({ status: 404, param: "model" });
    } finally {
      registry.stop();
    }
  });
});
