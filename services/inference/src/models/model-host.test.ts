import { connect, type NatsConnection } from "@nats-io/transport-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelEvent } from "@lantern/shared/contracts";
import { modelFleet } from "../../../../test/harness/model-fleet.js";
import { startTestStack, waitFor, type InProcessWorker, type TestStack } from "../../../../test/harness/test-stack.js";
import { sdkClient } from "../../../../test/harness/sdk-stack.js";

// The bundled file served under several names, each with its own settings.
const MODELS = [
  "small=stories260K.gguf?slots=1&context=256",
  "big=stories260K.gguf?slots=3&context=512",
  "napper=stories260K.gguf?slots=1&context=256&idleUnloadMs=1500",
].join(",");

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
  worker = await stack.startWorker({ INFERENCE_MODELS: MODELS });
  client = sdkClient(stack.baseUrl);
});
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

const workerId = () => worker.worker.workerId;
const story = (model: string, max_tokens = 8) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "Once upon a time" }], max_tokens, temperature: 0 });

/** A completion that runs to max_tokens: the end-of-text token is banned, and completions have no stop text. */
function longStory(model: string, maxTokens: number) {
  const eos = worker.worker.models[0]!.model.tokens.eos!;
  return client.completions.create({
    model,
    prompt: "Once upon a time",
    max_tokens: maxTokens,
    temperature: 0,
    logit_bias: { [eos]: -100 },
    stream: true,
    stream_options: { include_usage: true },
  });
}

describe("several models on one worker", () => {
  it("serves each through the gateway", async () => {
    for (const model of ["small", "big"]) {
      const res = await story(model);
      expect(res.model).toBe(model);
      expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0);
      expect(res.usage!.completion_tokens).toBe(8);
    }
  });

  it("shows each in the heartbeat with its own slots and context", async () => {
    const beat = await fleet.heartbeat(workerId());
    const small = beat.models.find((m) => m.name === "small")!;
    const big = beat.models.find((m) => m.name === "big")!;
    expect(small).toMatchObject({ state: "loaded", slots: 1, contextSize: 256 });
    expect(big).toMatchObject({ state: "loaded", slots: 3, contextSize: 512 });
    expect(big.memory!.ramBytes + big.memory!.vramBytes).toBeGreaterThan(small.memory!.ramBytes + small.memory!.vramBytes);
    const listed = await client.models.list();
    const contextOf = (id: string) => (listed.data.find((m) => m.id === id) as unknown as { context_length: number }).context_length;
    expect(contextOf("small")).toBe(256);
    expect(contextOf("big")).toBe(512);
  });

  it("a prompt longer than one model's context is refused there and served by the model with a longer one", async () => {
    const prompt = "Once upon a time there was a little girl. ".repeat(40);
    const refused = await client.completions.create({ model: "small", prompt, max_tokens: 4 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
    const served = await client.completions.create({ model: "big", prompt, max_tokens: 4 });
    expect(served.usage!.prompt_tokens).toBeGreaterThan(256);
  });
});

describe("load and unload over NATS", () => {
  it("loads a model on command, announces it, serves it, then unloads it on command", async () => {
    const loaded = await fleet.command(workerId(), { v: 1, op: "load", model: { name: "extra", file: "stories260K.gguf", slots: 2, contextSize: 768 } });
    expect(loaded).toMatchObject({ ok: true, model: { name: "extra", state: "loaded", slots: 2, contextSize: 768 } });
    await waitFor(() => events.some((e) => e.type === "model.loaded" && e.model === "extra" && e.trigger === "command"), 10_000, "model.loaded");
    const event = events.find((e) => e.type === "model.loaded" && e.model === "extra")!;
    expect(event).toMatchObject({ workerId: workerId(), file: "stories260K.gguf", fit: { slots: 2, contextSize: 768 } });

    await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "extra"), 10_000, "extra listed");
    expect((await story("extra")).choices[0]!.finish_reason).toBe("length");

    const unloaded = await fleet.command(workerId(), { v: 1, op: "unload", name: "extra" });
    expect(unloaded).toMatchObject({ ok: true, model: { name: "extra", state: "unloaded" } });
    await waitFor(() => events.some((e) => e.type === "model.unloaded" && e.model === "extra" && e.reason === "command"), 10_000, "model.unloaded");
    await waitFor(async () => (await fleet.modelEntry(workerId(), "extra")) === undefined, 10_000, "extra gone from the heartbeat");
    await waitFor(async () => !(await client.models.list()).data.some((m) => m.id === "extra"), 10_000, "extra unlisted");
    const gone = await story("extra").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.APIError);
    expect((gone as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it("an unload waits for the model's running job to finish", async () => {
    expect((await fleet.command(workerId(), { v: 1, op: "load", model: { name: "patient", file: "stories260K.gguf", slots: 1, contextSize: 2048 } })).ok).toBe(true);
    await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "patient"), 10_000, "patient listed");
    const stream = await longStory("patient", 600);
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    let unload: Promise<{ ok: boolean; at: number }> | undefined;
    for await (const chunk of stream) {
      // The job is running once text arrives: ask for the unload then.
      unload ??= fleet.command(workerId(), { v: 1, op: "unload", name: "patient", graceMs: 60_000 }).then((r) => ({ ok: r.ok, at: Date.now() }));
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    const streamEndedAt = Date.now();
    const reply = await unload!;
    expect(finish).toBe("length");
    expect(usage!.completion_tokens).toBe(600);
    expect(reply.ok).toBe(true);
    expect(reply.at).toBeGreaterThanOrEqual(streamEndedAt - 1_000);
    const event = events.find((e) => e.type === "model.unloaded" && e.model === "patient");
    expect(event).toMatchObject({ reason: "command", cancelledJobs: 0 });
  });

  it("an unload whose grace runs out cancels the running job", async () => {
    expect((await fleet.command(workerId(), { v: 1, op: "load", model: { name: "hasty", file: "stories260K.gguf", slots: 1, contextSize: 2048 } })).ok).toBe(true);
    await waitFor(async () => (await client.models.list()).data.some((m) => m.id === "hasty"), 10_000, "hasty listed");
    const stream = await longStory("hasty", 1900);
    let usage: OpenAI.CompletionUsage | undefined;
    let unload: ReturnType<typeof fleet.command> | undefined;
    for await (const chunk of stream) {
      unload ??= fleet.command(workerId(), { v: 1, op: "unload", name: "hasty", graceMs: 0 });
      usage = chunk.usage ?? usage;
    }
    expect((await unload!).ok).toBe(true);
    expect(usage!.completion_tokens).toBeLessThan(1900);
    await waitFor(() => events.some((e) => e.type === "model.unloaded" && e.model === "hasty"), 10_000, "model.unloaded");
    expect(events.find((e) => e.type === "model.unloaded" && e.model === "hasty")).toMatchObject({ cancelledJobs: 1 });
  });

  it.each([
    ["a missing file", "missing", "missing.gguf", "file_not_found", "missing.gguf"],
    ["a path climbing out of the models dir", "climber", "../models/stories260K.gguf", "path_outside_models_dir", "outside the models dir"],
    ["an absolute path", "absolute", "/etc/stories260K.gguf", "path_outside_models_dir", "outside the models dir"],
  ])("refuses %s with the reason, and says so", async (_, name, file, code, words) => {
    const reply = await fleet.command(workerId(), { v: 1, op: "load", model: { name, file } });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe(code);
    expect(reply.error.message).toContain(words);
    await waitFor(() => events.some((e) => e.type === "model.load_failed" && e.model === name && e.code === code), 10_000, "model.load_failed");
    await waitFor(async () => (await fleet.modelEntry(workerId(), name))?.state === "failed", 10_000, "failed in the heartbeat");
    expect(await fleet.modelEntry(workerId(), name)).toMatchObject({ state: "failed", reason: reply.error.message });
    // The worker goes on serving its models.
    expect((await story("small")).choices[0]!.finish_reason).toBe("length");
  });

  it("refuses a malformed command, naming what is wrong", async () => {
    const reply = await fleet.command(workerId(), { v: 1, op: "load", model: { name: "x", file: "x.gguf", slots: 0 } });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe("invalid_request");
    expect(reply.error.message).toContain("slots");
    const unknown = await fleet.command(workerId(), { v: 1, op: "unload", name: "nobody" });
    expect(unknown).toMatchObject({ ok: false, error: { code: "unknown_model" } });
  });

  it("refuses to load a second model of a loaded name with other settings", async () => {
    const reply = await fleet.command(workerId(), { v: 1, op: "load", model: { name: "small", file: "stories260K.gguf", slots: 2 } });
    expect(reply).toMatchObject({ ok: false, error: { code: "already_loaded" } });
    expect((await fleet.modelEntry(workerId(), "small"))!.state).toBe("loaded");
  });
});

describe("idle unload", () => {
  it("unloads a model after its idle time, keeps it listed, and a request loads it again", async () => {
    await waitFor(async () => (await fleet.modelEntry(workerId(), "napper"))?.state === "unloaded", 30_000, "napper unloaded");
    await waitFor(() => events.some((e) => e.type === "model.unloaded" && e.model === "napper" && e.reason === "idle"), 10_000, "idle event");
    expect((await client.models.list()).data.some((m) => m.id === "napper")).toBe(true);

    const res = await story("napper");
    expect(res.choices[0]!.finish_reason).toBe("length");
    // The event and the answer travel separately: either may come first.
    await waitFor(() => events.some((e) => e.type === "model.loaded" && e.model === "napper" && e.trigger === "demand"), 10_000, "reload event");
  });

  it("leaves models without an idle time loaded", async () => {
    expect((await fleet.modelEntry(workerId(), "small"))!.state).toBe("loaded");
    expect(events.some((e) => e.type === "model.unloaded" && e.model === "small")).toBe(false);
  });
});

describe("the EVENTS stream", () => {
  it("keeps the model events for replay", async () => {
    const replayed = await fleet.replay();
    const key = (e: ModelEvent) => `${e.type}:${e.model}`;
    expect(replayed.map(key)).toEqual(expect.arrayContaining(["model.loaded:small", "model.loaded:big", "model.unloaded:extra", "model.unloaded:napper"]));
    expect(new Set(replayed.map((e) => e.id)).size).toBe(replayed.length);
  });
});
