import type OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, waitFor, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";
import { sdkClient } from "./harness/sdk-stack.js";

let stack: TestStack;
let client: OpenAI;
let workerA: SpawnedWorker;
let workerB: SpawnedWorker;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_TIMEOUT_MS: "60000" } });
  [workerA, workerB] = await Promise.all([
    stack.spawnWorker({ INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500" }),
    stack.spawnWorker({ INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500" }),
  ]);
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { workers: number }).workers === 2);
  client = sdkClient(stack.baseUrl);
});
afterAll(async () => {
  await stack?.stop();
});

it("two workers pulling from one stream both take jobs", async () => {
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      client.chat.completions
        .create({ model: BUNDLED_MODEL, messages: [{ role: "user", content: `Story ${i}` }], max_tokens: 300, temperature: 0 })
        .withResponse(),
    ),
  );
  const servedBy = new Set(results.map((r) => r.response.headers.get("x-lantern-worker")));
  expect(servedBy).toEqual(new Set([workerA.workerId, workerB.workerId]));
  for (const r of results) expect(r.data.choices[0]!.message.content!.length).toBeGreaterThan(0);
});

it("a job whose worker is killed mid-stream is redelivered and the client's stream completes without repeats or gaps", async () => {
  workerB.process.kill("SIGTERM");
  await workerB.exited;

  const params = { model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1500, temperature: 0, seed: 11 };
  const stream = await client.completions.create({ ...params, stream: true });
  let text = "";
  let finish: string | null = null;
  let killed = false;
  let replacement: Promise<SpawnedWorker> | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (!killed && text.length > 20) {
      killed = true;
      workerA.process.kill("SIGKILL");
      replacement = stack.spawnWorker({ INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "1500" });
    }
  }
  expect(killed).toBe(true);
  const workerC = await replacement!;
  expect(finish).toBe("length");
  expect(workerC.logs.some((l) => l.msg === "job started" && l.attempt === 2)).toBe(true);

  const reference = await client.completions.create(params);
  expect(text).toBe(reference.choices[0]!.text);
});
