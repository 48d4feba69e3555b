import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, InferReply, natsNames, toModelToken } from "@lantern/shared/contracts";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";

let stack: TestStack;
let worker: InProcessWorker;
let tinyContextWorker: SpawnedWorker;
let nc: NatsConnection;

// Short, so the busy slot (an 1,800-token generation) outlasts it even on a fast CPU.
const QUEUE_TIMEOUT_MS = 150;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS) } });
  worker = await stack.startWorker({ INFERENCE_SLOTS: "1" });
  tinyContextWorker = await stack.spawnWorker({ INFERENCE_MODELS: "tiny-context=stories260K.gguf", INFERENCE_CONTEXT_SIZE: "64" });
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/v1/models`)).json()) as { data: unknown[] }).data.length === 2);
  nc = await connect({ servers: stack.nats.url });
});
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(path: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as ErrorBody };
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: BUNDLED_MODEL,
  messages: [{ role: "user", content: "Once upon a time" }],
  max_tokens: 8,
  ...extra,
});

function expectOpenAiError(body: ErrorBody) {
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error).toHaveProperty("type");
  expect(body.error).toHaveProperty("param");
  expect(body.error).toHaveProperty("code");
}

describe("bad input gets the OpenAI error shape", () => {
  it("malformed JSON is 400", async () => {
    const res = await post("/v1/chat/completions", '{"model": "stories260K", "messages": [');
    expect(res.status).toBe(400);
    expectOpenAiError(res.body);
    expect(res.body.error.type).toBe("invalid_request_error");
  });

  it.each([
    ["temperature out of range", chat({ temperature: 5 }), "temperature"],
    ["negative max_tokens", chat({ max_tokens: -1 }), "max_tokens"],
    ["max_tokens not an integer", chat({ max_tokens: 1.5 }), "max_tokens"],
    ["missing messages", { model: BUNDLED_MODEL }, "messages"],
    ["empty messages", chat({ messages: [] }), "messages"],
    ["unknown role", chat({ messages: [{ role: "wizard", content: "hi" }] }), "messages[0].role"],
    ["content of the wrong type", chat({ messages: [{ role: "user", content: 42 }] }), "messages[0].content"],
    ["missing model", { messages: [{ role: "user", content: "hi" }] }, "model"],
    ["stream not a boolean", chat({ stream: "yes" }), "stream"],
    ["too many stop sequences", chat({ stop: ["a", "b", "c", "d", "e"] }), "stop"],
    ["more choices than allowed", chat({ n: 17 }), "n"],
    [
      "a tool schema the grammar cannot enforce",
      chat({ tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { n: { type: "integer", not: { const: 1 } } } } } }] }),
      "tools[0].function.parameters",
    ],
  ])("%s is 400 naming the param", async (_name, body, param) => {
    const res = await post("/v1/chat/completions", body);
    expect(res.status).toBe(400);
    expectOpenAiError(res.body);
    expect(res.body.error.type).toBe("invalid_request_error");
    expect(res.body.error.param).toBe(param);
  });

  it("a body that is not an object is 400", async () => {
    const res = await post("/v1/completions", "[1,2,3]");
    expect(res.status).toBe(400);
    expectOpenAiError(res.body);
  });

  it("completions with a batch of prompts is 400 on prompt", async () => {
    const res = await post("/v1/completions", { model: BUNDLED_MODEL, prompt: ["a", "b"] });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("prompt");
  });

  it.each(["no-such-model", "x.>", "stories260K.>", "*", "a b", "infer.stories260K"])(
    "model %j is a plain 404 model_not_found",
    async (model) => {
      const res = await post("/v1/chat/completions", chat({ model }));
      expect(res.status).toBe(404);
      expectOpenAiError(res.body);
      expect(res.body.error.code).toBe("model_not_found");
      expect(res.body.error.param).toBe("model");
    },
  );

  it("a body over the limit is 413", async () => {
    const res = await post("/v1/chat/completions", chat({ messages: [{ role: "user", content: "a".repeat(1_200_000) }] }));
    expect(res.status).toBe(413);
    expectOpenAiError(res.body);
  });

  it("a chunked body (no declared length) over the limit is 413, and the connection is closed", async () => {
    const big = new TextEncoder().encode(JSON.stringify(chat({ messages: [{ role: "user", content: "a".repeat(1_200_000) }] })));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    const error = (await res.json()) as ErrorBody;
    expectOpenAiError(error);
    expect(error.error.code).toBe("request_too_large");
  });

  it("an unknown route is a 404 in the same shape", async () => {
    const res = await fetch(`${stack.baseUrl}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expectOpenAiError((await res.json()) as ErrorBody);
  });

  it("a prompt longer than the model's context is 400 context_length_exceeded, streamed or not", async () => {
    const long = "Once upon a time there was a little dog who liked to run in the park. ".repeat(20);
    for (const stream of [false, true]) {
      const res = await post("/v1/chat/completions", chat({ model: "tiny-context", messages: [{ role: "user", content: long }], stream }));
      expect(res.status).toBe(400);
      expectOpenAiError(res.body);
      expect(res.body.error.code).toBe("context_length_exceeded");
      expect(res.body.error.param).toBe("messages");
    }
    const completion = await post("/v1/completions", { model: "tiny-context", prompt: long });
    expect(completion.status).toBe(400);
    expect(completion.body.error.code).toBe("context_length_exceeded");
    expect(completion.body.error.param).toBe("prompt");
  });

  it("no free slot before the queue timeout is 503 with Retry-After, and the withdrawn job never runs", async () => {
    const busy = fetch(`${stack.baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1800, temperature: 0, stream: true }),
    });
    const busyRes = await busy;
    expect(busyRes.status).toBe(200);
    const reader = busyRes.body!.getReader();
    await reader.read(); // the worker is generating now; its only slot is taken

    const refused = await post("/v1/chat/completions", chat());
    expect(refused.status).toBe(503);
    expectOpenAiError(refused.body);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const refusedId = refused.headers.get("x-request-id");

    while (!(await reader.read()).done);
    const ok = await post("/v1/chat/completions", chat());
    expect(ok.status).toBe(200);
    const started = worker.logs.filter((l) => l.msg === "job finished").map((l) => l.requestId);
    expect(started).not.toContain(refusedId);
  });

  it("a worker answers a malformed job with the error variant and keeps serving", async () => {
    const names = natsNames(stack.nats.namespace);
    const js = jetstream(nc);
    const replyTo = `${stack.nats.namespace}.test-replies.bad-job`;
    const replies: InferReply[] = [];
    const sub = nc.subscribe(replyTo, { callback: (_e, m) => {
        replies.push(decodeMessage(InferReply, m.data));
      },
    });
    const subject = names.subjects.inferJob(toModelToken(BUNDLED_MODEL), "normal");
    await js.publish(subject, new TextEncoder().encode("not json at all"));
    await js.publish(subject, new TextEncoder().encode(JSON.stringify({ v: 1, requestId: "r1", replyTo, sampling: { temperature: 99 } })));
    await waitFor(() => replies.length === 1, 10_000, "the error reply");
    sub.unsubscribe();
    expect(replies[0]).toMatchObject({ kind: "error", code: "invalid_job" });
    const res = await post("/v1/chat/completions", chat());
    expect(res.status).toBe(200);
  });

  it("no live worker for a known model is 503 with Retry-After at once", async () => {
    tinyContextWorker.process.kill("SIGTERM");
    await tinyContextWorker.exited;
    const res = await post("/v1/chat/completions", chat({ model: "tiny-context" }));
    expect(res.status).toBe(503);
    expectOpenAiError(res.body);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
