import type OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";
import { sdkClient } from "./harness/sdk-stack.js";

const workerEnv = { INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500" };
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

it("a stream with logprobs whose worker is killed is redelivered, its tokens neither repeated nor missing", async () => {
  const params = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1500, temperature: 0, seed: 8, logprobs: 1 };
  const stream = await client.completions.create({ ...params, stream: true });
  let text = "";
  const tokens: string[] = [];
  const offsets: number[] = [];
  let replacement: Promise<SpawnedWorker> | undefined;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.text;
    tokens.push(...(choice.logprobs?.tokens ?? []));
    offsets.push(...(choice.logprobs?.text_offset ?? []));
    if (!replacement && text.length > 20) {
      worker.process.kill("SIGKILL");
      replacement = stack.spawnWorker(workerEnv);
    }
  }
  expect(replacement).toBeDefined();
  const next = await replacement!;
  expect(next.logs.some((l) => l.msg === "job started" && l.attempt === 2)).toBe(true);

  const reference = await client.completions.create(params);
  expect(text).toBe(reference.choices[0]!.text);
  expect(tokens).toEqual(reference.choices[0]!.logprobs!.tokens);
  expect(offsets).toEqual(reference.choices[0]!.logprobs!.text_offset);
});
