import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BUNDLED_MODEL, startTestStack, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";
import { sdkClient } from "./harness/sdk-stack.js";

let stack: TestStack;
let worker: SpawnedWorker;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_STALL_TIMEOUT_MS: "1000" } });
  // A long ack wait: nobody takes the job over before the gateway gives up on it.
  worker = await stack.spawnWorker({ INFERENCE_SLOTS: "1", INFERENCE_ACK_WAIT_MS: "60000" });
});
afterAll(async () => {
  await stack?.stop();
});

it("a stream whose worker dies and is not replaced ends with an explicit error, not a silent close", async () => {
  const client = sdkClient(stack.baseUrl);
  const stream = await client.completions.create({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 1800, temperature: 0, stream: true });
  let text = "";
  const consume = async () => {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      if (text.length > 10 && worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill("SIGKILL");
    }
  };
  const error = await consume().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: "timeout_error", code: "timeout" });
  expect(text.length).toBeGreaterThan(10);
});
