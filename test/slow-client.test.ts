import { connect as connectTcp, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames, type UsageEvent } from "@lantern/shared/contracts";
import { usageEventsInStream } from "@lantern/shared/testing";
import { startTestStack, waitFor, type SpawnedWorker, type TestStack } from "./harness/test-stack.js";

/*
 * A client that stops reading its stream cannot hold a worker slot or the gateway's memory: past
 * a small bound the gateway drops the stream, cancels the job and records why.
 *
 * The kernel takes megabytes of a stream on loopback before the gateway feels anything, more
 * than the bundled model writes in a minute; so the worker is the synthetic engine (a real worker
 * process, words on timers), sending every word as its own reply as fast as it can.
 */

const BUFFER_BYTES = 16 * 1024;
const MODEL = "firehose";

let stack: TestStack;
let worker: SpawnedWorker;
let nc: NatsConnection;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_STREAM_BUFFER_BYTES: String(BUFFER_BYTES), GATEWAY_QUEUE_TIMEOUT_MS: "60000" } });
  worker = await stack.spawnWorker({
    INFERENCE_ENGINE: "synthetic",
    INFERENCE_SYNTHETIC_MODEL: MODEL,
    INFERENCE_SYNTHETIC_TOKENS_PER_S: "100000",
    INFERENCE_STREAM_FLUSH_MS: "0",
    INFERENCE_SLOTS: "1",
  });
  await waitFor(async () => ((await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { models: string[] }).models.includes(MODEL));
  nc = await connect({ servers: stack.nats.url });
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

/** Sends a streamed request over a raw socket that never reads what comes back (until told to). */
function silentClient(body: object): Socket {
  const { hostname, port } = new URL(stack.baseUrl);
  const json = JSON.stringify(body);
  const socket = connectTcp({ host: hostname, port: Number(port) });
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  // No 'data' listener and no read(): the socket stays paused and the kernel's buffers fill up.
  return socket;
}

async function storedUsage(requestId: string): Promise<UsageEvent | undefined> {
  return (await usageEventsInStream(nc, natsNames(stack.nats.namespace))).find((event) => event.requestId === requestId);
}

it("drops a stream whose client stops reading, cancels its job at once and records client_too_slow", async () => {
  // Far longer than the test: only the drop can end it.
  const socket = silentClient({ model: MODEL, messages: [{ role: "user", content: "Go on" }], max_tokens: 10_000_000, stream: true });
  const isDrop = (l: Record<string, unknown>) => l.msg === "client too slow; stream dropped and job cancelled";
  await waitFor(() => stack.gatewayLogs.some(isDrop), 30_000, "the drop");
  const dropped = stack.gatewayLogs.find(isDrop)!;
  const requestId = String(dropped.requestId);
  expect(dropped).toMatchObject({ level: 40, code: "client_too_slow", reason: "buffer" });
  expect(dropped.pendingBytes as number).toBeGreaterThan(BUFFER_BYTES);

  // The only slot is free again: the next request runs.
  const next = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }),
  });
  expect(next.status).toBe(200);
  await waitFor(() => worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"), 10_000, "the dropped job's end");
  const finished = worker.logs.find((l) => l.requestId === requestId && l.msg === "job finished")!;
  expect(finished.finishReason).toBe("cancelled");

  await waitFor(async () => (await storedUsage(requestId)) !== undefined, 10_000, "the dropped request's usage event");
  expect(await storedUsage(requestId)).toMatchObject({ status: 408, errorType: "timeout_error", stream: true });

  // Whatever the client reads now ends short of the end of the stream: the connection was closed.
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const text = Buffer.concat(received).toString();
  expect(text).toMatch(/^HTTP\/1\.1 200/);
  expect(text).not.toContain("data: [DONE]");
});
