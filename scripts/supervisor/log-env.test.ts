import { expect, it } from "vitest";
import { childLogEnv, supervisedLine } from "./log-env.js";

it("asks for readable, coloured lines when the supervisor writes to a terminal and no format is set", () => {
  expect(childLogEnv(true, {})).toEqual({ LOG_FORMAT: "pretty", FORCE_COLOR: "1" });
  expect(childLogEnv(true, { NO_COLOR: "1" })).toEqual({ LOG_FORMAT: "pretty" });
});

it("leaves the format alone when it is set, or when the output goes to a file or a collector", () => {
  expect(childLogEnv(true, { LOG_FORMAT: "json" })).toEqual({});
  expect(childLogEnv(false, {})).toEqual({});
});

it("shows a child's lines under its name, but its JSON log lines as they are, one object per line", () => {
  expect(supervisedLine("inference-1", "[12:04:05.123] INFO: job started")).toBe("[inference-1] [12:04:05.123] INFO: job started");
  expect(supervisedLine("gateway", "node: bad option")).toBe("[gateway] node: bad option");
  const json = '{"level":30,"service":"gateway","msg":"listening"}';
  expect(supervisedLine("gateway", json)).toBe(json);
});
