import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeMessage, InferJob, natsNames, toModelToken, type Priority } from "@lantern/shared/contracts";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

let stack: TestStack;
let worker: InProcessWorker;
let nc: NatsConnection;
/** Bans the end-of-sequence token so a job runs for exactly its max_tokens. */
let noEos: Record<string, number>;

const QUEUE_LIMIT = 3;
const AGING_MS = 200;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_QUEUE_LIMIT: String(QUEUE_LIMIT), GATEWAY_QUEUE_POLL_MS: "100" } });
  // One slot, so everything else queues behind the job holding it.
  // A context long enough that the blocking job never ends on its own during a test.
  worker = await stack.startWorker({ INFERENCE_SLOTS: "1", INFERENCE_CONTEXT_SIZE: "32768", INFERENCE_PRIORITY_AGING_MS: String(AGING_MS) });
  noEos = { [String(worker.worker.models[0]!.model.tokens.eos)]: -100 };
  nc = await connect({ servers: stack.nats.url });
});
// A test that fails while holding the slot must not leave it held for the next ones.
const heldSlots = new Set<() => Promise<void>>();
afterEach(async () => {
  for (const release of heldSlots) await release();
});
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

interface QueueView {
  model: string;
  waiting: Record<Priority, number>;
  oldestWaitMs: number | null;
}

async function queue(): Promise<QueueView | undefined> {
  const fleet = (await (await fetch(`${stack.baseUrl}/fleet`)).json()) as { queues: QueueView[] };
  return fleet.queues.find((q) => q.model === BUNDLED_MODEL);
}

const waitingTotal = (q: QueueView | undefined) => (q ? q.waiting.high + q.waiting.normal + q.waiting.low : 0);

/** A long generation holding the only slot until `release()` cancels it. */
async function occupySlot(): Promise<{ requestId: string; release(): Promise<void> }> {
  const aborter = new AbortController();
  const res = await fetch(`${stack.baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once", max_tokens: 100_000, logit_bias: noEos, stream: true }),
    signal: aborter.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read();
  const requestId = res.headers.get("x-request-id")!;
  const release = async () => {
    heldSlots.delete(release);
    aborter.abort();
    await waitFor(() => worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"), 30_000, "the blocker to stop");
  };
  heldSlots.add(release);
  return { requestId, release };
}

interface Sent {
  priority: Priority;
  response: Promise<Response>;
}

function send(priority: Priority, how: "header" | "body", maxTokens = 4, signal?: AbortSignal): Sent {
  const body = { model: BUNDLED_MODEL, prompt: "Once", max_tokens: maxTokens, logit_bias: noEos, ...(how === "body" ? { priority } : {}) };
  const response = fetch(`${stack.baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(how === "header" ? { "x-priority": priority } : {}) },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return { priority, response };
}

/** Request ids in the order the worker started them. */
const startOrder = () => worker.logs.filter((l) => l.msg === "job started").map((l) => l.requestId as string);

async function waitUntilQueued(count: number) {
  await waitFor(async () => waitingTotal(await queue()) >= count, 20_000, `${count} queued jobs`);
}

describe("scheduling", () => {
  it("a worker with a free slot takes high, then normal, then low, whatever the arrival order", async () => {
    const blocker = await occupySlot();
    const sent: Sent[] = [];
    for (const [priority, how] of [["low", "header"], ["normal", "body"], ["high", "header"]] as const) {
      sent.push(send(priority, how));
      await waitUntilQueued(sent.length);
    }
    const q = await queue();
    expect(q?.waiting).toEqual({ high: 1, normal: 1, low: 1 });
    expect(q?.oldestWaitMs).toBeGreaterThan(0);

    await blocker.release();
    const ids = new Map<string, Priority>();
    for (const s of sent) {
      const res = await s.response;
      expect(res.status).toBe(200);
      ids.set(res.headers.get("x-request-id")!, s.priority);
    }
    const order = startOrder().filter((id) => ids.has(id)).map((id) => ids.get(id));
    expect(order).toEqual(["high", "normal", "low"]);
  });

  it("low work waiting behind a steady stream of high work still starts after the ageing period", async () => {
    const blocker = await occupySlot();
    const low = send("low", "header");
    await waitUntilQueued(1);
    // Each high job runs for a few hundred tokens: longer than the ageing period on any machine
    // fast enough to run the suite, so the low job cannot wait for all of them.
    const highs = Array.from({ length: QUEUE_LIMIT }, () => send("high", "header", 400));
    await waitUntilQueued(1 + QUEUE_LIMIT);
    await blocker.release();

    const lowId = (await low.response).headers.get("x-request-id")!;
    const highIds = await Promise.all(highs.map(async (h) => (await h.response).headers.get("x-request-id")!));
    const order = startOrder();
    const lowAt = order.indexOf(lowId);
    const highsAfterLow = highIds.filter((id) => order.indexOf(id) > lowAt);
    expect(lowAt).toBeGreaterThan(-1);
    // Without ageing it would start last, after every high job.
    expect(highsAfterLow.length).toBeGreaterThanOrEqual(1);
  });

  it("refuses with 503 queue_full and Retry-After once the queue ahead reaches the bound, but lets higher work in", async () => {
    const blocker = await occupySlot();
    const queued = Array.from({ length: QUEUE_LIMIT }, () => send("normal", "header"));
    await waitUntilQueued(QUEUE_LIMIT);

    const refused = await send("normal", "header").response;
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: "service_unavailable_error", code: "queue_full" });
    expect(body.error.message).toContain(`${QUEUE_LIMIT} requests waiting`);

    // Nothing waits at high: a high request is queued, not refused.
    const high = send("high", "body");
    await waitUntilQueued(QUEUE_LIMIT + 1);
    const ready = (await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { queues: QueueView[] };
    expect(ready.queues.find((q) => q.model === BUNDLED_MODEL)?.waiting).toMatchObject({ high: 1, normal: QUEUE_LIMIT });

    await blocker.release();
    for (const s of [...queued, high]) expect((await s.response).status).toBe(200);
    await waitFor(async () => waitingTotal(await queue()) === 0, 10_000, "the queue to drain");
  });

  it("the choices of n take the request's priority and fit under the queue bound together or not at all", async () => {
    const blocker = await occupySlot();
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${stack.baseUrl}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once", max_tokens: 4, logit_bias: noEos, ...body }),
      });
    const high = post({ n: 2 }, { "x-priority": "high" });
    await waitUntilQueued(2);
    expect((await queue())?.waiting).toEqual({ high: 2, normal: 0, low: 0 });

    // Two high choices wait ahead of any normal job: two more would pass the bound of three.
    const refused = await post({ n: 2 });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("queue_full");
    const refusedId = refused.headers.get("x-request-id")!;
    // More choices than the bound could ever hold is the request's own mistake.
    const tooMany = await post({ n: QUEUE_LIMIT + 1 });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { param: string } }).error.param).toBe("n");

    await blocker.release();
    const done = await high;
    expect(done.status).toBe(200);
    expect(((await done.json()) as { choices: unknown[] }).choices).toHaveLength(2);
    await waitFor(async () => waitingTotal(await queue()) === 0, 10_000, "the queue to drain");
    // Not one of the refused request's choices was queued.
    expect(worker.logs.some((l) => String(l.requestId).startsWith(refusedId))).toBe(false);
  });

  it("a queued job whose client goes away never starts", async () => {
    const blocker = await occupySlot();
    const aborter = new AbortController();
    const gone = send("normal", "header", 4, aborter.signal);
    gone.response.catch(() => {});
    await waitUntilQueued(1);
    const before = stack.gatewayLogs.length;
    aborter.abort();
    await waitFor(() => stack.gatewayLogs.slice(before).some((l) => l.msg === "client went away; job withdrawn or cancelled"), 10_000);
    const goneId = stack.gatewayLogs.slice(before).find((l) => l.msg === "client went away; job withdrawn or cancelled")!.requestId;
    const after = send("normal", "header");

    await blocker.release();
    expect((await after.response).status).toBe(200);
    expect(worker.logs.some((l) => l.requestId === goneId)).toBe(false);
  });

  it("a worker never starts a job whose deadline has passed", async () => {
    const names = natsNames(stack.nats.namespace);
    const replyTo = `${stack.nats.namespace}.test-replies.expired`;
    const replies: unknown[] = [];
    const sub = nc.subscribe(replyTo, {
      callback: (_e, m) => {
        replies.push(m.data);
      },
    });
    const job: InferJob = {
      v: 1,
      requestId: "req_expired_in_queue",
      model: BUNDLED_MODEL,
      replyTo,
      startBy: Date.now() - 1,
      priority: "normal",
      input: { kind: "completion", prompt: "Once" },
      sampling: { temperature: 0, topP: 1, seed: 1, presencePenalty: 0, frequencyPenalty: 0, stop: [], maxTokens: 4 },
    };
    await jetstream(nc).publish(names.subjects.inferJob(toModelToken(BUNDLED_MODEL), "normal"), encodeMessage(InferJob, job));
    await waitFor(() => worker.logs.some((l) => l.requestId === job.requestId), 10_000, "the worker to see the job");
    const seen = worker.logs.filter((l) => l.requestId === job.requestId).map((l) => l.msg);
    expect(seen).toEqual(["job expired in the queue; not started"]);
    sub.unsubscribe();
    expect(replies).toHaveLength(0);
  });

  it("refuses an unknown priority, or a header and body that disagree, naming the priority param", async () => {
    const cases: Array<[Record<string, string>, Record<string, unknown>]> = [
      [{ "x-priority": "urgent" }, {}],
      [{}, { priority: "urgent" }],
      [{ "x-priority": "high" }, { priority: "low" }],
    ];
    for (const [headers, extra] of cases) {
      const res = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: BUNDLED_MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 2, ...extra }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { type: string; param: string } };
      expect(body.error).toMatchObject({ type: "invalid_request_error", param: "priority" });
    }
  });
});
