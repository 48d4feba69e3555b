import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalNatsServer, type LocalNatsServer } from "@lantern/shared/nats";
import { uniqueNamespace } from "@lantern/shared/testing";
import { chunkText, sseEvents } from "./harness/sse-events.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type TestStack } from "./harness/test-stack.js";

/*
 * The broker restarted under load: the gateway and a worker process reconnect on their own, every
 * request in flight ends in a completion or a clear error (never a 200 stream cut short in
 * silence), `/readyz` says 503 during the outage and 200 after, and new requests are served again,
 * their streams kept for resuming as before.
 */

let server: LocalNatsServer;
let dataDir: string;
let port: number;
let stack: TestStack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "lantern-nats-restart-"));
  server = await startLocalNatsServer({ dataDir });
  port = Number(server.url.split(":").at(-1));
  stack = await startTestStack({
    // The server is this test's to stop and start; the stack must not stop it.
    nats: { url: server.url, namespace: uniqueNamespace("restart"), stop: async () => {} },
    gatewayEnv: { GATEWAY_STALL_TIMEOUT_MS: "3000", GATEWAY_QUEUE_TIMEOUT_MS: "5000" },
  });
  await stack.spawnWorker({ INFERENCE_SLOTS: "2" });
  await waitFor(async () => (await fetch(`${stack.baseUrl}/readyz`)).ok, 30_000);
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Outcome = "completed" | "clear error" | "silent truncation";

/** One streamed completion, classified by what the client saw. */
async function streamedRequest(): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(`${stack.baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 48, stream: true }),
    });
  } catch {
    // The gateway never went away: a refused or dropped connection would itself be a failure.
    return "silent truncation";
  }
  if (res.status !== 200) {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ? "clear error" : "silent truncation";
  }
  // Events of a resumable stream carry an `id:` line before their data.
  const events: string[] = [];
  for await (const event of sseEvents(res)) events.push(event.data);
  if (events.some((e) => e.includes('"error"'))) return "clear error";
  const finished = events.some((e) => /"finish_reason":"(stop|length)"/.test(e)) && events.at(-1) === "[DONE]";
  return finished ? "completed" : "silent truncation";
}

it("reconnects after the broker restarts, and no request ends in silence", async () => {
  const outcomes: Outcome[] = [];
  let loading = true;
  const client = async () => {
    while (loading) outcomes.push(await streamedRequest());
  };
  const clients = Array.from({ length: 4 }, client);
  await waitFor(() => outcomes.length >= 4);

  await server.stop();
  await waitFor(async () => (await fetch(`${stack.baseUrl}/readyz`)).status === 503, 10_000);
  const during = (await (await fetch(`${stack.baseUrl}/readyz`)).json()) as { nats: string };
  expect(during.nats).toBe("disconnected");

  server = await startLocalNatsServer({ dataDir, port });
  await waitFor(async () => (await fetch(`${stack.baseUrl}/readyz`)).ok, 30_000);
  // Requests flow again through the same gateway and the same worker process.
  const servedAfter = outcomes.length;
  await waitFor(() => outcomes.slice(servedAfter).includes("completed"), 30_000);
  loading = false;
  await Promise.all(clients);

  expect(outcomes.filter((o) => o === "silent truncation")).toEqual([]);
  expect(outcomes.filter((o) => o === "completed").length).toBeGreaterThan(4);
  expect(await streamedRequest()).toBe("completed");

  // Streams are kept again: the restarted broker had forgotten REPLIES (a memory stream), and the gateway made it anew.
  await waitFor(async () => {
    const res = await fetch(`${stack.baseUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 16, stream: true, temperature: 0 }),
    });
    const text = await streamText(res);
    const again = await fetch(`${stack.baseUrl}/v1/streams/${res.headers.get("x-request-id")}`);
    return again.status === 200 && (await streamText(again)) === text && text.length > 0;
  }, 15_000);
});

async function streamText(res: Response): Promise<string> {
  let text = "";
  for await (const event of sseEvents(res)) text += chunkText(event.data);
  return text;
}
