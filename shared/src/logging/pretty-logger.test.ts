import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logFormatOf, requestLogLevel, type LogFormat } from "./index.js";

/** A stream that says it is a terminal (or not), keeping what was written. */
function screen(isTTY: boolean) {
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
  return { destination, lines: () => text.split("\n").filter((line) => line !== "") };
}

function prettyLogger(options: { colour?: boolean; format?: LogFormat } = {}) {
  const out = screen(true);
  const logger = createLogger({ service: "gateway", level: "debug", destination: out.destination, colour: options.colour ?? false, format: options.format });
  return { logger, lines: out.lines };
}

const LINE_START = /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] /;

describe("pretty log lines", () => {
  it("on a terminal: one readable line per event with time, level, service, message and key fields", () => {
    const { logger, lines } = prettyLogger();
    logger.child({ component: "http" }).info({ requestId: "req_1", method: "GET", path: "/v1/models", status: 200, ms: 3 }, "request");
    logger.warn("no worker for model x");
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatch(LINE_START);
    expect(lines()[0]).toMatch(/\] INFO \(gateway\/http\): request requestId=req_1 method=GET path=\/v1\/models status=200 ms=3$/);
    expect(lines()[1]).toMatch(/\] WARN \(gateway\): no worker for model x$/);
    expect(() => JSON.parse(lines()[0]!)).toThrow();
  });

  it("names only the component when the supervisor shows the service before each line", () => {
    process.env.LANTERN_SUPERVISED_AS = "gateway";
    try {
      const { logger, lines } = prettyLogger();
      logger.child({ component: "http" }).info("request");
      logger.info("listening");
      expect(lines()[0]).toMatch(/\] INFO \(http\): request$/);
      expect(lines()[1]).toMatch(/\] INFO: listening$/);
    } finally {
      delete process.env.LANTERN_SUPERVISED_AS;
    }
  });

  it("cuts nested objects short and keeps a line on one line", () => {
    const { logger, lines } = prettyLogger();
    logger.info({ body: { messages: Array.from({ length: 50 }, () => ({ role: "user", content: "hello there" })) }, note: "two\nlines" }, "big\nevent");
    expect(lines()).toHaveLength(1);
    expect(lines()[0]!.length).toBeLessThan(250);
    expect(lines()[0]).toContain('body={"messages":[{"role":"user"');
    expect(lines()[0]).toContain("…");
    expect(lines()[0]).toContain('note="two\\nlines"');
    expect(lines()[0]).toContain("big event");
  });

  it("shows an error's message on its line and its stack, causes included, below it", () => {
    const { logger, lines } = prettyLogger();
    logger.error({ err: new Error("disk full", { cause: new Error("ENOSPC") }) }, "pull failed");
    const [line, ...stack] = lines();
    expect(line).toMatch(/ERROR \(gateway\): pull failed err="disk full: ENOSPC"$/);
    expect(stack[0]).toBe("    Error: disk full");
    expect(stack.some((l) => /^\s+at /.test(l))).toBe(true);
    expect(stack.some((l) => l.includes("caused by: Error: ENOSPC"))).toBe(true);
  });

  it("colours the level only when asked", () => {
    const coloured = prettyLogger({ colour: true });
    coloured.logger.info("ready");
    expect(coloured.lines()[0]).toContain("\u001b[32mINFO\u001b[39m");
    const plain = prettyLogger({ colour: false });
    plain.logger.info("ready");
    expect(plain.lines()[0]).not.toContain("\u001b[");
  });

  it("censors keys, tokens and auth headers as the JSON lines do", () => {
    const { logger, lines } = prettyLogger();
    logger.info(
      {
        authorization: "Bearer sk-top",
        apiKey: "sk-api",
        headers: { authorization: "Bearer sk-header", "x-api-key": "sk-x" },
        provider: { name: "up", apiKey: "sk-provider" },
        config: { HF_TOKEN: "hf_secret", ADMIN_TOKEN: "admin-secret" },
        webhookSecret: "whsec",
      },
      "line",
    );
    const text = lines().join("\n");
    for (const secret of ["sk-top", "sk-api", "sk-header", "sk-x", "sk-provider", "hf_secret", "admin-secret", "whsec"]) expect(text).not.toContain(secret);
    expect(text).toContain('apiKey="[redacted]"');
    expect(text).toContain('"name":"up"');
  });

  it("writes JSON to a terminal when LOG_FORMAT says json", () => {
    const { logger, lines } = prettyLogger({ format: "json" });
    logger.info({ requestId: "req_1" }, "request");
    expect(JSON.parse(lines()[0]!)).toMatchObject({ service: "gateway", requestId: "req_1", msg: "request" });
  });
});

describe("the level of per-request lines", () => {
  it("is debug on a terminal and info in JSON, unless LOG_REQUESTS says otherwise", () => {
    const pretty = prettyLogger().logger;
    const json = createLogger({ service: "gateway", destination: screen(false).destination });
    expect([logFormatOf(pretty), logFormatOf(json)]).toEqual(["pretty", "json"]);
    expect(requestLogLevel(pretty.child({ component: "http" }), undefined)).toBe("debug");
    expect(requestLogLevel(json, undefined)).toBe("info");
    expect(requestLogLevel(pretty, true)).toBe("info");
    expect(requestLogLevel(json, false)).toBe("debug");
  });
});
