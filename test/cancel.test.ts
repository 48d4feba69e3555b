import { afterAll, beforeAll, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

let stack: TestStack;
let worker: InProcessWorker;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_TIMEOUT_MS: "60000" } });
  worker = await stack.startWorker({ INFERENCE_SLOTS: "1" });
});
afterAll(async () => {
  await stack?.stop();
});

const longStory = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1800, temperature: 0, stream: true };

it("a client that closes its stream cancels the generation and frees the only slot", async () => {
  const aborter = new AbortController();
  const res = await fetch(`${stack.baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(longStory),
    signal: aborter.signal,
  });
  const cancelledId = res.headers.get("x-request-id");
  const reader = res.body!.getReader();
  await reader.read();
  aborter.abort();

  // The worker has one slot: this only runs once the cancelled job gave it back.
  const next = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: BUNDLED_MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }),
  });
  expect(next.status).toBe(200);

  await waitFor(() => worker.logs.some((l) => l.requestId === cancelledId && l.msg === "job finished"));
  const cancelled = worker.logs.find((l) => l.requestId === cancelledId && l.msg === "job finished")!;
  expect(cancelled.finishReason).toBe("cancelled");
  expect(cancelled.completionTokens as number).toBeLessThan(1800);
  // It was cancelled, not run to the end: the next job started before the long one could have finished.
  const order = worker.logs.filter((l) => l.msg === "job finished").map((l) => l.requestId);
  expect(order.indexOf(cancelledId)).toBe(order.length - 2);
});

it("a non-streaming client that disconnects also cancels its job", async () => {
  const aborter = new AbortController();
  const pending = fetch(`${stack.baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...longStory, stream: false }),
    signal: aborter.signal,
  }).catch((err: unknown) => err);
  const before = worker.logs.length;
  await waitFor(() => worker.logs.slice(before).some((l) => l.msg === "job started"));
  aborter.abort();
  await pending;
  await waitFor(() => worker.logs.slice(before).some((l) => l.msg === "job finished"));
  const finished = worker.logs.slice(before).find((l) => l.msg === "job finished")!;
  expect(finished.finishReason).toBe("cancelled");
});
