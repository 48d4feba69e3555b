import { connect as connectTcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "../../../../test/harness/hostile-cases.js";
import { startTestStack, type TestStack } from "../../../../test/harness/test-stack.js";

/*
 * Hostile bytes on the gateway's HTTP connections: an injected header line, a length that is not a
 * number, a body sent too slowly. Each is refused, the slow one with 408 in the OpenAI shape.
 */

const BODY_TIMEOUT_MS = 400;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { GATEWAY_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), GATEWAY_AUTH: "off" } });
});
afterAll(async () => {
  await stack?.stop();
});

/** Sends raw bytes over one connection and returns everything the server wrote back. */
function rawExchange(port: number, writes: Array<string | Buffer>, gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => (received += d.toString("latin1")));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy());
    void (async () => {
      for (const w of writes) {
        if (socket.destroyed) return;
        socket.write(w);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  });
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
const bodyOf = (raw: string) => raw.slice(raw.indexOf("\r\n\r\n") + 4);

describe("hostile HTTP framing", () => {
  it("a header with an injected line never reaches the response", async () => {
    const port = new URL(stack.baseUrl).port;
    const raw = await rawExchange(Number(port), [
      `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: injected=1\r\nConnection: close\r\n\r\n`,
    ]);
    expect(statusOf(raw)).toBe(400);
    expect(raw).not.toMatch(/^set-cookie: injected/im);
  });

  it("a declared length that is not a number is refused", async () => {
    const raw = await rawExchange(Number(new URL(stack.baseUrl).port), [
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12abc\r\nConnection: close\r\n\r\n{}`,
    ]);
    expect(statusOf(raw)).toBe(400);
  });

  it("a slowloris body is cut off with 408 in the OpenAI shape, and the connection closed", async () => {
    const body = JSON.stringify(chat());
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // One byte every 100 ms would take far longer than the deadline.
    const raw = await rawExchange(Number(new URL(stack.baseUrl).port), [head, ...body.split("")], 100);
    expect(statusOf(raw)).toBe(408);
    expect(raw).toMatch(/^connection: close/im);
    expect(JSON.parse(bodyOf(raw)).error.code).toBe("request_timeout");
  });
});
