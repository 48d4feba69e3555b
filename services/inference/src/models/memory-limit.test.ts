import { connect, type NatsConnection } from "@nats-io/transport-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryFit, ModelEvent, ModelLoadFailedEvent } from "@lantern/shared/contracts";
import { modelFleet } from "../../../../test/harness/model-fleet.js";
import { startTestStack, waitFor, type InProcessWorker, type TestStack } from "../../../../test/harness/test-stack.js";
import { sdkClient } from "../../../../test/harness/sdk-stack.js";

// Estimates for the bundled file: ~2 MiB for one slot of 256 tokens, ~10 MiB for two of 2048,
// ~38 MiB for eight of 2048. A 16 MiB cap takes the first, then one of the second, never the third.
const CAP = 16 * 2 ** 20;
const MODELS = ["fits=stories260K.gguf?slots=1&context=256", "huge=stories260K.gguf?slots=8&context=2048&contexts=8"].join(",");

let stack: TestStack;
let worker: InProcessWorker;
let nc: NatsConnection;
let fleet: ReturnType<typeof modelFleet>;
let client: OpenAI;
let events: ModelEvent[];

beforeAll(async () => {
  stack = await startTestStack();
  nc = await connect({ servers: stack.nats.url });
  fleet = modelFleet(nc, stack.nats.namespace);
  events = fleet.follow();
  // Flash attention pinned on: the limit and the models are sized by the estimates made with it.
  worker = await stack.startWorker({ INFERENCE_MODELS: MODELS, INFERENCE_MEMORY_LIMIT: "16MiB", INFERENCE_FLASH_ATTENTION: "on" });
  client = sdkClient(stack.baseUrl);
});
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

const workerId = () => worker.worker.workerId;
const needed = (fit: MemoryFit) => fit.needed.ramBytes + fit.needed.vramBytes;
const story = (model: string) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8, temperature: 0 });

describe("a model that does not fit under the memory limit", () => {
  it("is refused at start with the numbers, while the worker serves the model that fits", async () => {
    const failed = (await fleet.replay()).find((e): e is ModelLoadFailedEvent => e.type === "model.load_failed" && e.model === "huge")!;
    const loaded = (await fleet.replay()).find((e) => e.type === "model.loaded" && e.model === "fits");
    expect(loaded).toBeDefined();
    expect(failed).toMatchObject({ workerId: workerId(), trigger: "config", code: "insufficient_memory" });
    const fit = failed.fit!;
    expect(fit.capBytes).toBe(CAP);
    expect(fit).toMatchObject({ slots: 8, contexts: 8, contextSize: 2048 });
    expect(fit.usedByWorkerBytes).toBe(needed((loaded as { fit: MemoryFit }).fit));
    expect(fit.usedByWorkerBytes + needed(fit)).toBeGreaterThan(CAP);
    for (const number of [needed(fit), CAP, fit.usedByWorkerBytes]) expect(failed.reason).toContain(`(${number} B)`);
    expect(failed.reason).toContain("INFERENCE_MEMORY_LIMIT");

    expect((await story("fits")).choices[0]!.finish_reason).toBe("length");
  });

  it("shows as failed in the heartbeat with the reason", async () => {
    await waitFor(async () => (await fleet.modelEntry(workerId(), "huge"))?.state === "failed", 10_000, "failed in the heartbeat");
    const entry = await fleet.modelEntry(workerId(), "huge");
    expect(entry).toMatchObject({ state: "failed", slots: 8 });
    expect(entry!.reason).toContain("does not fit");
    expect(entry!.reason).toContain(`(${CAP} B)`);
    expect((await fleet.modelEntry(workerId(), "fits"))!.state).toBe("loaded");
  });

  it("is answered 503 with the reason at once, not queued", async () => {
    const err = await story("huge").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(503);
    expect(apiErr.message).toContain("does not fit");
    expect((await client.models.list()).data.map((m) => m.id)).not.toContain("huge");
  });

  it("counts what the worker has loaded: a model that fits alone is refused once another took the room", async () => {
    const spec = { file: "stories260K.gguf", slots: 2, contextSize: 2048, contexts: 2 };
    const first = await fleet.command(workerId(), { v: 1, op: "load", model: { name: "second", ...spec } });
    expect(first).toMatchObject({ ok: true, model: { state: "loaded" } });
    const third = await fleet.command(workerId(), { v: 1, op: "load", model: { name: "third", ...spec } });
    expect(third.ok).toBe(false);
    if (third.ok) return;
    expect(third.error.code).toBe("insufficient_memory");
    const fit = third.error.fit!;
    expect(needed(fit)).toBeLessThan(CAP);
    expect(fit.usedByWorkerBytes + needed(fit)).toBeGreaterThan(CAP);
    expect(third.error.message).toContain(`(${fit.usedByWorkerBytes} B)`);
    await waitFor(() => events.some((e) => e.type === "model.load_failed" && e.model === "third"), 10_000, "model.load_failed");

    // Unloading the second frees its share: the third then fits.
    expect((await fleet.command(workerId(), { v: 1, op: "unload", name: "second" })).ok).toBe(true);
    expect(await fleet.command(workerId(), { v: 1, op: "load", model: { name: "third", ...spec } })).toMatchObject({ ok: true });
    expect((await story("fits")).choices[0]!.finish_reason).toBe("length");
  });
});
