import type OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";
import { sdkClient } from "./harness/sdk-stack.js";

// Workers whose template opens every reply in a thought segment, so the stream is reasoning.
const workerEnv = { INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500", INFERENCE_CHAT_WRAPPER: "qwen3.5" };
let stack: TestStack;
let client: OpenAI;
let worker: SpawnedWorker;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_TIMEOUT_MS: "60000" } });
  worker = await stack.spawnWorker(workerEnv);
  client = sdkClient(stack.baseUrl);
});
afterAll(async () => {
  await stack?.stop();
});

it("a reasoning stream whose worker is killed is redelivered and completes without repeats or gaps", async () => {
  const params = { model: BUNDLED_MODEL, messages: [{ role: "user" as const, content: "Once upon a time" }], max_tokens: 400, temperature: 0, seed: 3 };
  const stream = await client.chat.completions.create({ ...params, stream: true });
  let reasoning = "";
  let finish: string | null = null;
  let replacement: Promise<SpawnedWorker> | undefined;
  for await (const chunk of stream) {
    reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (!replacement && reasoning.length > 20) {
      worker.process.kill("SIGKILL");
      replacement = stack.spawnWorker(workerEnv);
    }
  }
  expect(replacement).toBeDefined();
  const next = await replacement!;
  expect(next.logs.some((l) => l.msg === "job started" && l.attempt === 2)).toBe(true);
  expect(finish).toBe("length");

  const reference = await client.chat.completions.create(params);
  expect(reasoning).toBe((reference.choices[0]!.message as { reasoning_content?: string }).reasoning_content);
});
