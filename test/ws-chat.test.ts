import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, UsageMessage, usageEventsOf, type UsageEvent } from "@lantern/shared/contracts";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";
import { openSocket, type TestSocket } from "./harness/ws-client.js";

/*
 * The chat and monitor WebSockets at the gateway, with a real worker on the bundled model and keys
 * required (a key in KV `keys` puts `auto` mode into requiring them).
 */

let stack: TestStack;
let worker: InProcessWorker;
let nc: NatsConnection;
const usage: UsageEvent[] = [];
const SECRET = "sk-ws-test-0123456789abcdef";
const story = { model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 24, temperature: 0, seed: 3 } };

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "auto", GATEWAY_QUEUE_TIMEOUT_MS: "60000", GATEWAY_MONITOR_STATS_MS: "200" } });
  worker = await stack.startWorker({ INFERENCE_SLOTS: "2" });
  nc = await connect({ servers: stack.nats.url });
  const names = natsNames(stack.nats.namespace);
  const { keys } = await ensureEdgeBuckets(nc, names);
  await keys.put(hashApiKey(SECRET), JSON.stringify(unrestrictedKeyPolicy("key_ws", { name: "ws" })));
  nc.subscribe(names.subjects.usageEvent, { callback: (_err, msg) => {
      const message = UsageMessage.safeParse(msg.json());
      if (message.success) usage.push(...usageEventsOf(message.data));
    } });
  // Keys are required once the gateway has seen this one.
  await waitFor(async () => (await fetch(`${stack.baseUrl}/v1/models`)).status === 401);
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

const chatSocket = () => openSocket(stack.baseUrl, `/v1/ws/chat?key=${SECRET}`);
const framesOf = (socket: TestSocket, id: string) => socket.frames.filter((f) => f.id === id);
const textOf = (socket: TestSocket, id: string, field: "content" | "reasoning" = "content") =>
  framesOf(socket, id)
    .filter((f) => f.type === "delta")
    .map((f) => f[field] ?? "")
    .join("");

describe("/v1/ws/chat", () => {
  it("streams deltas, then done with usage: the same answer as the HTTP API gives", async () => {
    const socket = await chatSocket();
    await socket.next((f) => f.type === "auth_ok");
    socket.send({ type: "chat", id: "a", ...story });
    const done = await socket.next((f) => f.type === "done" && f.id === "a");
    expect(done.finish_reason).toBe("length");
    expect(done.usage.completion_tokens).toBe(24);
    expect(framesOf(socket, "a").filter((f) => f.type === "delta").length).toBeGreaterThan(1);

    const http = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ model: BUNDLED_MODEL, messages: [{ role: "user", content: story.content }], ...story.params }),
    });
    const body = (await http.json()) as { choices: Array<{ message: { content: string } }> };
    expect(textOf(socket, "a")).toBe(body.choices[0]!.message.content);

    // Accounted for like any request: one usage event, with the key and the socket's path.
    await waitFor(() => usage.some((u) => u.path === "/v1/ws/chat" && u.status === 200));
    const event = usage.find((u) => u.path === "/v1/ws/chat")!;
    expect(event).toMatchObject({ keyId: "key_ws", model: BUNDLED_MODEL, stream: true, completionTokens: 24, workerIds: [worker.worker.workerId] });
    await socket.close();
  });

  it("keeps the history of content turns until reset, and runs several chats at once", async () => {
    const socket = await chatSocket();
    socket.send({ type: "chat", id: "first", ...story });
    const first = await socket.next((f) => f.type === "done" && f.id === "first");
    socket.send({ type: "chat", id: "second", ...story, content: "And then?" });
    const second = await socket.next((f) => f.type === "done" && f.id === "second");
    // The second prompt held the first turn and its answer.
    expect(second.usage.prompt_tokens).toBeGreaterThan(first.usage.prompt_tokens + 24);

    socket.send({ type: "reset" });
    await socket.next((f) => f.type === "reset_ok");
    socket.send({ type: "chat", id: "x", ...story });
    socket.send({ type: "chat", id: "y", ...story, params: { ...story.params, seed: 4, temperature: 1 } });
    const [x] = await Promise.all([socket.next((f) => f.type === "done" && f.id === "x"), socket.next((f) => f.type === "done" && f.id === "y")]);
    expect(x.usage.prompt_tokens).toBe(first.usage.prompt_tokens);
    expect(textOf(socket, "x")).toBe(textOf(socket, "first"));
    await socket.close();
  });

  it("stop cancels the generation at the worker and frees its slot", async () => {
    const socket = await chatSocket();
    socket.send({ type: "chat", id: "long", model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 1800, temperature: 0 } });
    await socket.next((f) => f.type === "delta" && f.id === "long");
    socket.send({ type: "stop", id: "long" });
    const done = await socket.next((f) => f.type === "done" && f.id === "long");
    expect(done).toMatchObject({ finish_reason: "cancelled", usage: null });
    await waitFor(() => worker.logs.some((l) => l.msg === "job finished" && l.finishReason === "cancelled"), 30_000, "the cancelled job");
    const cancelled = worker.logs.find((l) => l.msg === "job finished" && l.finishReason === "cancelled")!;
    expect(cancelled.completionTokens as number).toBeLessThan(1800);
    await socket.close();
  });

  it("closing the socket cancels its chats", async () => {
    const before = worker.logs.length;
    const socket = await chatSocket();
    socket.send({ type: "chat", id: "long", model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 1800, temperature: 0 } });
    await socket.next((f) => f.type === "delta");
    await socket.close();
    await waitFor(() => worker.logs.slice(before).some((l) => l.msg === "job finished"), 30_000, "the job to end");
    expect(worker.logs.slice(before).find((l) => l.msg === "job finished")!.finishReason).toBe("cancelled");
  });

  it("params take a GBNF grammar and a JSON schema like the HTTP API; a broken grammar is an error frame with its position", async () => {
    const socket = await chatSocket();
    socket.send({ type: "chat", id: "g", model: BUNDLED_MODEL, content: "Once", params: { max_tokens: 20, seed: 1, grammar: 'root ::= "yes" | "no"' } });
    await socket.next((f) => f.type === "done" && f.id === "g");
    expect(["yes", "no"]).toContain(textOf(socket, "g"));
    const schema = { type: "object", properties: { n: { type: "integer", minimum: 1, maximum: 9 } }, required: ["n"], additionalProperties: false };
    socket.send({ type: "chat", id: "s", model: BUNDLED_MODEL, content: "Once", params: { max_tokens: 60, seed: 1, response_format: { type: "json_schema", json_schema: { name: "n", schema } } } });
    const done = await socket.next((f) => f.type === "done" && f.id === "s");
    expect(done.finish_reason).toBe("stop");
    const { n } = JSON.parse(textOf(socket, "s")) as { n: number };
    expect(n >= 1 && n <= 9).toBe(true);
    socket.send({ type: "chat", id: "bad-g", model: BUNDLED_MODEL, content: "Once", params: { grammar: 'root ::= "a" | ' + "(" } });
    const bad = await socket.next((f) => f.type === "error" && f.id === "bad-g");
    expect(bad.error).toMatchObject({ type: "invalid_request_error", param: "params.grammar" });
    expect(bad.error.message).toMatch(/line 1, column \d+/);
    await socket.close();
  });

  it("answers bad frames and refused chats with error frames, on the chat's id", async () => {
    const socket = await chatSocket();
    socket.send({ type: "chat", id: "bad", model: BUNDLED_MODEL, content: "hi", params: { temperature: 9 } });
    const bad = await socket.next((f) => f.type === "error" && f.id === "bad");
    expect(bad.error).toMatchObject({ type: "invalid_request_error", param: "params.temperature" });
    socket.send({ type: "chat", id: "nomodel", model: "no-such-model", content: "hi" });
    const missing = await socket.next((f) => f.type === "error" && f.id === "nomodel");
    expect(missing.error.code).toBe("model_not_found");
    socket.ws.send("not json");
    const unreadable = await socket.next((f) => f.type === "error" && f.id === null);
    expect(unreadable.error.type).toBe("invalid_request_error");
    await socket.close();
  });

  it("needs a key once keys exist: in the URL or as the first frame", async () => {
    const open = await openSocket(stack.baseUrl, "/v1/ws/chat");
    open.send({ type: "chat", id: "anon", ...story });
    const refused = await open.next((f) => f.type === "error" && f.id === "anon");
    expect(refused.error).toMatchObject({ code: "invalid_api_key", message: expect.stringContaining("didn't provide") });
    open.send({ type: "auth", key: SECRET });
    await open.next((f) => f.type === "auth_ok");
    open.send({ type: "chat", id: "now", ...story });
    await open.next((f) => f.type === "done" && f.id === "now");
    await open.close();

    const wrong = await openSocket(stack.baseUrl, "/v1/ws/chat?key=sk-wrong-key-0000000000");
    const closed = await wrong.closed;
    expect(closed.code).toBe(4401);
    expect(wrong.frames[0]).toMatchObject({ type: "error", id: null, error: { code: "invalid_api_key" } });
    // The secret is never written to a log line.
    expect(JSON.stringify(stack.gatewayLogs)).not.toContain(SECRET);
  });
});

describe("/v1/ws/monitor", () => {
  it("sends the live workers with their busy slots, and each finished request", async () => {
    const monitor = await openSocket(stack.baseUrl, `/v1/ws/monitor?key=${SECRET}`);
    monitor.send({ type: "subscribe", kinds: ["worker.stats", "queue.stats", "usage"] });
    const stats = await monitor.next((f) => f.type === "event" && f.kind === "worker.stats");
    expect(stats.data.workers.map((w: { workerId: string }) => w.workerId)).toEqual([worker.worker.workerId]);

    const chat = await chatSocket();
    chat.send({ type: "chat", id: "m", model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 1800, temperature: 0 } });
    await chat.next((f) => f.type === "delta");
    const busy = (f: Record<string, any>) =>
      f.kind === "worker.stats" && f.data.workers.some((w: any) => w.models.some((m: any) => m.name === BUNDLED_MODEL && m.freeSlots < m.slots));
    const from = monitor.frames.length;
    await monitor.next(busy, from, "a busy slot");
    chat.send({ type: "stop", id: "m" });
    await monitor.next((f) => f.kind === "usage" && f.data.path === "/v1/ws/chat" && f.data.status === 499, from, "the stopped chat's usage");
    await monitor.next((f) => f.kind === "worker.stats" && !busy(f), monitor.frames.length, "the slot freed");
    expect(monitor.frames.every((f) => f.type !== "event" || ["worker.stats", "queue.stats", "usage"].includes(f.kind))).toBe(true);
    await chat.close();
    await monitor.close();
  });

  it("follows platform events by family", async () => {
    const monitor = await openSocket(stack.baseUrl, `/v1/ws/monitor?key=${SECRET}`);
    monitor.send({ type: "subscribe", kinds: ["model.*", "task.*"] });
    await monitor.next((f) => f.type === "subscribed");
    const names = natsNames(stack.nats.namespace);
    nc.publish(names.subjects.modelPullEvents("p1"), JSON.stringify({ v: 1, type: "model.pull.progress", id: "e1", at: 1, pullId: "p1", receivedBytes: 5, totalBytes: 10 }));
    nc.publish(names.subjects.usageEvent, JSON.stringify({ v: 1, type: "usage", at: 2 }));
    // Another key's task is not this socket's to see; its own is.
    nc.publish(names.subjects.taskEvents("t0"), JSON.stringify({ v: 1, taskId: "t0", owner: "key_other", at: 3, type: "done", status: "succeeded", error: null }));
    nc.publish(names.subjects.taskEvents("t1"), JSON.stringify({ v: 1, taskId: "t1", owner: "key_ws", at: 3, type: "done", status: "succeeded", error: null }));
    const pull = await monitor.next((f) => f.kind === "model.pull.progress");
    expect(pull.data).toMatchObject({ pullId: "p1", receivedBytes: 5 });
    await monitor.next((f) => f.kind === "task.done");
    expect(monitor.frames.filter((f) => f.kind === "task.done").map((f) => f.data.taskId)).toEqual(["t1"]);
    expect(monitor.frames.some((f) => f.kind === "usage")).toBe(false);
    await monitor.close();
  });
});
