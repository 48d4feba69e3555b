import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startTracing, type Tracing } from "../telemetry/index.js";
import { createLogger } from "./index.js";

function capture() {
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service: "test", destination }), lines };
}

describe("log redaction", () => {
  it("censors keys, tokens, secrets and auth headers wherever a line carries them", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        authorization: "Bearer sk-top",
        apiKey: "sk-api",
        headers: { authorization: "Bearer sk-header", "x-api-key": "sk-x" },
        req: { headers: { authorization: "Bearer sk-req" } },
        provider: { name: "up", apiKey: "sk-provider" },
        config: { HF_TOKEN: "hf_secret", ADMIN_TOKEN: "admin-secret", METRICS_TOKEN: "metrics-secret" },
        webhook: { url: "https://example.test/hook", secret: "whsec" },
        webhookSecret: "whsec2",
        token: "model-token-is-not-a-secret",
      },
      "line",
    );
    const text = JSON.stringify(lines);
    for (const secret of ["sk-top", "sk-api", "sk-header", "sk-x", "sk-req", "sk-provider", "hf_secret", "admin-secret", "metrics-secret", "whsec"]) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({ provider: { name: "up" }, webhook: { url: "https://example.test/hook" }, token: "model-token-is-not-a-secret" });
  });

  it("censors a child logger's bindings, and an error's headers while keeping its message and stack", () => {
    const { logger, lines } = capture();
    const upstream = Object.assign(new Error("upstream refused"), { status: 401, headers: { authorization: "Bearer sk-err", "x-api-key": "sk-err-x" } });
    logger.child({ component: "routes", provider: { apiKey: "sk-child" } }).warn({ err: upstream }, "failed");
    const text = JSON.stringify(lines);
    for (const secret of ["sk-err", "sk-err-x", "sk-child"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      component: "routes",
      provider: { apiKey: "[redacted]" },
      err: { type: "Error", message: "upstream refused", status: 401, stack: expect.stringContaining("upstream refused"), headers: { authorization: "[redacted]" } },
    });
  });

  it("leaves a line without secrets as it was logged", () => {
    const { logger, lines } = capture();
    const body = { model: "m", messages: [{ role: "user", content: "hi" }], headers: { "content-type": "application/json" } };
    logger.info({ requestId: "req_1", body, bytes: Buffer.from("ab"), list: [{ apiKey: "in-a-list-is-kept" }] }, "line");
    expect(lines[0]).toMatchObject({ requestId: "req_1", body, bytes: { type: "Buffer", data: [97, 98] }, list: [{ apiKey: "in-a-list-is-kept" }] });
  });
});

describe("trace ids in log lines", () => {
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing({ service: "test", spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  });
  afterAll(() => tracing.shutdown());

  it("adds the active span's trace and span ids, and nothing outside a span", () => {
    const { logger, lines } = capture();
    trace.getTracer("test").startActiveSpan("work", (active) => {
      logger.info({ requestId: "req_1" }, "inside");
      active.end();
    });
    logger.info("outside");
    expect(lines[0]).toMatchObject({ requestId: "req_1", traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(lines[1]).not.toHaveProperty("traceId");
  });
});
