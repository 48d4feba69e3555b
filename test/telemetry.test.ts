import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { hashApiKey, natsNames, unrestrictedKeyPolicy } from "@lantern/shared/contracts";
import { ensureEdgeBuckets } from "@lantern/shared/nats";
import { startTracing, type Tracing } from "@lantern/shared/telemetry";
import { loadGatewayConfig, startGateway } from "@lantern/gateway";
import { capturingLogger } from "./harness/log-capture.js";
import { BUNDLED_MODEL, startTestStack, waitFor, type InProcessWorker, type TestStack } from "./harness/test-stack.js";

/*
 * One request's trace across the gateway and a worker (both in this process, recording into
 * one in-memory exporter), the ids in their log lines, and no secret in any line.
 */

const GATEWAY = "@lantern/gateway";
const WORKER = "@lantern/inference";

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let stack: TestStack;
let worker: InProcessWorker;
let nc: NatsConnection;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = await startTracing({ service: "lantern-test", spanProcessors: [new SimpleSpanProcessor(exporter)] });
  stack = await startTestStack();
  worker = await stack.startWorker();
  nc = await connect({ servers: stack.nats.url });
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await tracing?.shutdown();
});

async function complete(headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${stack.baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: BUNDLED_MODEL, prompt: "Once upon a time", max_tokens: 12, temperature: 0 }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: Array<{ text: string }> };
  expect(body.choices[0]!.text.length).toBeGreaterThan(0);
  return res.headers.get("x-request-id")!;
}

const ofRequest = (requestId: string) => (span: ReadableSpan) => span.attributes["lantern.request_id"] === requestId;
const idOf = (span: ReadableSpan | undefined) => span?.spanContext().spanId;

/** The request's spans once its worker side and its gateway server span have ended. */
async function spansOf(requestId: string): Promise<ReadableSpan[]> {
  let spans: ReadableSpan[] = [];
  await waitFor(() => {
    spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.instrumentationScope.name === GATEWAY && ofRequest(requestId)(s));
    const job = spans.find((s) => s.instrumentationScope.name === WORKER && ofRequest(requestId)(s));
    return server !== undefined && job !== undefined;
  });
  return spans;
}

describe("a traced request", () => {
  it("gives spans from the gateway and the worker in one trace, with queue wait, prompt evaluation and generation", async () => {
    const requestId = await complete();
    const spans = await spansOf(requestId);
    const server = spans.find((s) => s.instrumentationScope.name === GATEWAY && ofRequest(requestId)(s))!;
    const traceId = server.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);

    expect(server.name).toBe("POST /v1/completions");
    expect(server.attributes["http.response.status_code"]).toBe(200);
    // gateway server span -> gateway job span -> worker job span -> its phases
    const published = inTrace.find((s) => s.name === `inference job ${BUNDLED_MODEL}` && s.instrumentationScope.name !== WORKER)!;
    expect(published.parentSpanContext?.spanId).toBe(idOf(server));
    const pulled = inTrace.find((s) => s.instrumentationScope.name === WORKER && s.name === `inference job ${BUNDLED_MODEL}`)!;
    expect(pulled.parentSpanContext?.spanId).toBe(idOf(published));
    expect(pulled.attributes["lantern.worker_id"]).toBe(worker.worker.workerId);
    const phases = inTrace.filter((s) => s.parentSpanContext?.spanId === idOf(pulled)).map((s) => s.name);
    expect(phases.sort()).toEqual(["generation", "prompt evaluation", "queue wait"]);
    const generation = inTrace.find((s) => s.name === "generation")!;
    expect(generation.attributes["lantern.completion_tokens"]).toBeGreaterThan(0);
  });

  it("continues the trace a caller sent in traceparent", async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const requestId = await complete({ traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
    const spans = await spansOf(requestId);
    const ours = spans.filter(ofRequest(requestId));
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const span of ours) expect(span.spanContext().traceId).toBe(callerTrace);
  });

  it("puts the request id and the trace id in the gateway's and the worker's log lines", async () => {
    const requestId = await complete();
    const spans = await spansOf(requestId);
    const traceId = spans.find(ofRequest(requestId))!.spanContext().traceId;
    await waitFor(() => worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"));

    const gatewayLine = stack.gatewayLogs.find((l) => l.requestId === requestId && l.msg === "request");
    expect(gatewayLine).toMatchObject({ traceId, status: 200, path: "/v1/completions" });
    const workerLines = worker.logs.filter((l) => l.requestId === requestId);
    expect(workerLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["job started", "job finished"]));
    for (const line of workerLines) expect(line.traceId).toBe(traceId);
  });
});

describe("a keyed request", () => {
  it("leaves no trace of the key in any log line", async () => {
    const secret = `sk-lantern-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const { keys } = await ensureEdgeBuckets(nc, natsNames(stack.nats.namespace));
    await keys.put(hashApiKey(secret), JSON.stringify(unrestrictedKeyPolicy("key-logs", { name: "log test" })));
    // Once the gateway mirrors the key, auth is required (GATEWAY_AUTH=auto): a keyless call is refused.
    await waitFor(async () => (await fetch(`${stack.baseUrl}/v1/models`)).status === 401);
    const wrong = await fetch(`${stack.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}x` } });
    expect(wrong.status).toBe(401);

    const requestId = await complete({ authorization: `Bearer ${secret}` });
    await waitFor(() => worker.logs.some((l) => l.requestId === requestId && l.msg === "job finished"));
    const logged = [...stack.gatewayLogs, ...worker.logs].map((l) => JSON.stringify(l));
    expect(logged.some((line) => line.includes(requestId))).toBe(true);
    for (const line of logged) expect(line).not.toContain(secret);
    // Nor of the prompt: prompts are logged only when an operator opts in.
    for (const line of logged) expect(line).not.toContain("Once upon a time");
  });
});

describe("prompt logging", () => {
  it("logs the prompt with the request id only when GATEWAY_LOG_PROMPTS is on", async () => {
    const capture = capturingLogger("gateway-prompts");
    const gateway = await startGateway(
      loadGatewayConfig({ NATS_URL: stack.nats.url, NATS_NAMESPACE: stack.nats.namespace, GATEWAY_PORT: "0", GATEWAY_AUTH: "off", GATEWAY_LOG_PROMPTS: "true" }),
      capture.logger,
    );
    try {
      await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).ok);
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: BUNDLED_MODEL, messages: [{ role: "user", content: "Tell me about a red fox" }], max_tokens: 4 }),
      });
      expect(res.status).toBe(200);
      const line = capture.lines.find((l) => l.msg === "prompt");
      expect(line).toMatchObject({ requestId: res.headers.get("x-request-id"), prompt: [{ role: "user", content: "Tell me about a red fox" }] });
    } finally {
      await gateway.stop(1_000);
    }
  });
});
