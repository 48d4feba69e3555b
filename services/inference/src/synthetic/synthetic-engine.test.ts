import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, waitFor, type SpawnedWorker, type TestStack } from "../../../../test/harness/test-stack.js";
import { sdkClient } from "../../../../test/harness/sdk-stack.js";

let stack: TestStack;
let worker: SpawnedWorker;
let client: OpenAI;

beforeAll(async () => {
  stack = await startTestStack();
  worker = await stack.spawnWorker({
    INFERENCE_ENGINE: "synthetic",
    INFERENCE_SYNTHETIC_MODEL: "synthetic-bench",
    INFERENCE_SYNTHETIC_TOKENS_PER_S: "200",
    INFERENCE_SLOTS: "4",
  });
  client = sdkClient(stack.baseUrl);
  await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "synthetic-bench"));
});
afterAll(async () => {
  await stack?.stop();
});

describe("the synthetic engine (capacity planning only)", () => {
  it("streams exactly max_tokens tokens through the real queue and gateway, and reports them in usage", async () => {
    const stream = await client.completions.create({
      model: "synthetic-bench",
      prompt: "Once upon a time",
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text.split(" ")).toHaveLength(12);
    expect(usage).toMatchObject({ completion_tokens: 12, prompt_tokens: 4 });
  });

  it("runs as many streams at once as it has slots, and a cancel frees the slot", async () => {
    const aborter = new AbortController();
    const long = client.completions.create({ model: "synthetic-bench", prompt: "x", max_tokens: 100_000, stream: true }, { signal: aborter.signal });
    const first = await long;
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next();
    aborter.abort();
    await waitFor(() => worker.logs.some((l) => l.msg === "job finished" && l.finishReason === "cancelled"), 10_000, "the cancelled job");

    const answers = await Promise.all(
      Array.from({ length: 4 }, () => client.completions.create({ model: "synthetic-bench", prompt: "x", max_tokens: 3 })),
    );
    for (const answer of answers) expect(answer.usage?.completion_tokens).toBe(3);
    const workersSeen = new Set(worker.logs.filter((l) => l.msg === "job started").map((l) => l.workerId));
    expect(workersSeen).toEqual(new Set([worker.workerId]));
  });

  it("refuses embed jobs with a clear error", async () => {
    await expect(client.embeddings.create({ model: "synthetic-bench", input: "x" })).rejects.toMatchObject({ status: 400 });
  });

  it("answers every choice of n, and refuses logprobs naming them", async () => {
    const answer = await client.completions.create({ model: "synthetic-bench", prompt: "x", max_tokens: 3, n: 2 });
    expect(answer.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(answer.usage?.completion_tokens).toBe(6);
    await expect(client.completions.create({ model: "synthetic-bench", prompt: "x", max_tokens: 3, logprobs: 1 })).rejects.toMatchObject({
      status: 400,
      error: { param: "logprobs" },
    });
  });
});
