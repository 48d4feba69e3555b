import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@lantern/shared/logging";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import { loadGatewayConfig } from "../config.js";
import { startGateway } from "../gateway.js";

/** Lines as a terminal (isTTY) or a pipe would receive them, at the default level. */
function output(isTTY: boolean) {
  let text = "";
  const destination = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY },
  );
  return { logger: createLogger({ service: "gateway", level: "info", destination, colour: false }), lines: () => text.split("\n").filter(Boolean) };
}

describe("a line per request", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await useTestNats("access");
  });
  afterAll(() => nats?.stop());

  async function linesAfterOneRequest(isTTY: boolean, env: Record<string, string> = {}, path = "/v1/models"): Promise<string[]> {
    const { logger, lines } = output(isTTY);
    const gateway = await startGateway(loadGatewayConfig({ NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, GATEWAY_PORT: "0", ...env }), logger);
    try {
      expect((await fetch(`${gateway.url}${path}`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
    return lines();
  }

  it("is not shown on a terminal at the default level", async () => {
    const lines = await linesAfterOneRequest(true);
    expect(lines.some((line) => line.includes("gateway listening"))).toBe(true);
    expect(lines.filter((line) => line.includes("path=/v1/models"))).toEqual([]);
  });

  it("is shown on a terminal when LOG_REQUESTS asks", async () => {
    const lines = await linesAfterOneRequest(true, { LOG_REQUESTS: "1" });
    expect(lines.filter((line) => line.includes("path=/v1/models"))).toEqual([expect.stringMatching(/ INFO \(gateway\/http\): request (\w+=\S+ )*method=GET path=\/v1\/models status=200 ms=\d+$/)]);
  });

  it("stays an info JSON line on a pipe", async () => {
    const lines = (await linesAfterOneRequest(false)).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.path === "/v1/models")).toEqual([expect.objectContaining({ level: 30, msg: "request", method: "GET", status: 200 })]);
  });

  it("leaves health probes out below debug, whatever LOG_REQUESTS says", async () => {
    const lines = await linesAfterOneRequest(false, { LOG_REQUESTS: "1" }, "/healthz");
    expect(lines.filter((line) => line.includes('"path":"/healthz"'))).toEqual([]);
  });
});
