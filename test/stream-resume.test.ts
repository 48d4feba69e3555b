import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { hashApiKey, natsNames, unrestrictedKeyPolicy, type UsageEvent } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { chunkText, sseEvents } from "./harness/sse-events.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type SpawnedGateway, type TestStack } from "./harness/test-stack.js";
import { openSocket } from "./harness/ws-client.js";

/*
 * A gateway killed mid-stream (a real process, SIGKILL): its client reconnects to another gateway
 * and gets the rest of the stream from the last event it saw, neither repeating nor losing text.
 */

let stack: TestStack;
/** Gateways in their own processes, each killed by one test. */
let doomed: SpawnedGateway;
let doomedToo: SpawnedGateway;
let nc: NatsConnection;
const names = () => natsNames(stack.nats.namespace);

const story = {
  model: BUNDLED_MODEL,
  prompt: "Once upon a time",
  max_tokens: 400,
  temperature: 0.8,
  seed: 1234,
  stream: true,
  stream_options: { include_usage: true },
};

beforeAll(async () => {
  // Keys are optional (`off`), but a key that is sent still names the caller: the owner of its streams.
  stack = await startTestStack({ gatewayEnv: { GATEWAY_AUTH: "off", GATEWAY_RESUME_WINDOW_S: "60" } });
  await stack.startWorker({ INFERENCE_SLOTS: "2" });
  [doomed, doomedToo] = await Promise.all([stack.spawnGateway(), stack.spawnGateway()]);
  for (const { url } of [doomed, doomedToo]) {
    await waitFor(async () => ((await (await fetch(`${url}/readyz`)).json()) as { models: string[] }).models.includes(BUNDLED_MODEL));
  }
  nc = await connect({ servers: stack.nats.url });
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

function post(base: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** The whole text and the usage of a stream read to its end. */
async function readAll(response: Response) {
  let text = "";
  let usage: { completion_tokens: number } | undefined;
  const ids: string[] = [];
  let done = false;
  for await (const event of sseEvents(response)) {
    if (event.id) ids.push(event.id);
    if (event.data === "[DONE]") done = true;
    else {
      text += chunkText(event.data);
      usage = (JSON.parse(event.data) as { usage?: typeof usage }).usage ?? usage;
    }
  }
  return { text, usage, ids, done };
}

const seqOf = (id: string) => Number(id.split(":")[1]);

/** Usage events stored in the EVENTS stream for one request. */
async function storedUsage(requestId: string): Promise<UsageEvent[]> {
  return (await usageEventsInStream(nc, names())).filter((event) => event.requestId === requestId);
}

it("resumes at another gateway after the first is killed, with the exact text of an uninterrupted run, and one usage event", async () => {
  const reference = await readAll(await post(stack.baseUrl, story));
  expect(reference.done).toBe(true);
  expect(reference.text.length).toBeGreaterThan(100);

  const first = await post(doomed.url, story);
  expect(first.status).toBe(200);
  const requestId = first.headers.get("x-request-id")!;
  let seen = "";
  let lastId = "";
  let textEvents = 0;
  for await (const event of sseEvents(first)) {
    expect(event.id).toMatch(new RegExp(`^${requestId}:\\d+$`));
    lastId = event.id!;
    seen += chunkText(event.data);
    if (chunkText(event.data) && ++textEvents === 3) break;
  }
  doomed.process.kill("SIGKILL");
  await doomed.exited;

  // What an SSE client does on reconnecting: the same request, with the id of the last event it got.
  const resumed = await post(stack.baseUrl, story, { "last-event-id": lastId });
  expect(resumed.status).toBe(200);
  expect(resumed.headers.get("x-lantern-resumed")).toBe(requestId);
  const rest = await readAll(resumed);
  expect(rest.done).toBe(true);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen + rest.text).toBe(reference.text);
  expect(rest.ids.every((id) => seqOf(id) > seqOf(lastId))).toBe(true);
  expect(rest.usage?.completion_tokens).toBe(reference.usage?.completion_tokens);

  // Read again from the start (GET, as an EventSource would): the same text, and still one usage event.
  const again = await readAll(await fetch(`${stack.baseUrl}/v1/streams/${requestId}`));
  expect(again.text).toBe(reference.text);
  await waitFor(async () => (await storedUsage(requestId)).length > 0, 10_000, "the resumed request's usage event");
  const events = await storedUsage(requestId);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ id: requestId, status: 200, stream: true, completionTokens: reference.usage?.completion_tokens, path: "/v1/completions" });
});

it("answers 404 in the OpenAI shape for a stream it does not keep, and to a key that did not start it", async () => {
  const unknown = await fetch(`${stack.baseUrl}/v1/streams/req_unknown`);
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ error: { message: expect.stringContaining("60 s"), type: "not_found_error", param: "Last-Event-ID", code: "stream_not_found" } });

  const { keys } = await ensureEdgeBuckets(nc, names());
  const secrets = ["sk-owner", "sk-stranger"].map((s) => `${s}-${Math.random().toString(36).slice(2)}`);
  for (const [i, secret] of secrets.entries()) await keys.put(hashApiKey(secret), JSON.stringify(unrestrictedKeyPolicy(`key_resume_${i}`, { name: secret })));
  const [owner, stranger] = secrets.map((s) => ({ authorization: `Bearer ${s}` }));
  await waitFor(async () => (await post(stack.baseUrl, { ...story, stream: false, max_tokens: 1 }, owner!)).status === 200);

  const started = await post(stack.baseUrl, { ...story, max_tokens: 20 }, owner!);
  const requestId = started.headers.get("x-request-id")!;
  const whole = await readAll(started);
  for (const headers of [stranger!, {}]) {
    const refused = await fetch(`${stack.baseUrl}/v1/streams/${requestId}`, { headers });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("stream_not_found");
  }
  const mine = await readAll(await fetch(`${stack.baseUrl}/v1/streams/${requestId}?after=1`, { headers: owner! }));
  expect(mine.text).toBe(whole.text);
});

it("continues a socket chat on a new socket at another gateway with a resume frame", async () => {
  const chat = { type: "chat", id: "c1", model: BUNDLED_MODEL, content: "Once upon a time", params: { max_tokens: 300, temperature: 0.8, seed: 99 } };
  const reference = await openSocket(stack.baseUrl, "/v1/ws/chat");
  reference.send(chat);
  await reference.next((f) => f.type === "done", 0, "the reference chat's end");
  const referenceText = reference.frames.filter((f) => f.type === "delta").map((f) => f.content ?? "").join("");
  await reference.close();

  const other = doomedToo;
  const lost = await openSocket(other.url, "/v1/ws/chat");
  lost.send(chat);
  await waitFor(() => lost.frames.filter((f) => f.type === "delta").length >= 2, 30_000, "two deltas");
  other.process.kill("SIGKILL");
  await other.exited;
  const deltas = lost.frames.filter((f) => f.type === "delta");
  const last = deltas.at(-1)!;
  expect(last.request_id).toEqual(expect.any(String));

  const fresh = await openSocket(stack.baseUrl, "/v1/ws/chat");
  fresh.send({ type: "resume", id: "c1-again", request_id: last.request_id, after: last.seq });
  const done = await fresh.next((f) => f.type === "done" || f.type === "error", 0, "the resumed chat's end");
  expect(done).toMatchObject({ type: "done", id: "c1-again", finish_reason: expect.stringMatching(/stop|length/) });
  const restText = fresh.frames.filter((f) => f.type === "delta").map((f) => f.content ?? "").join("");
  expect(deltas.map((f) => f.content ?? "").join("") + restText).toBe(referenceText);
  await fresh.close();
});
