import { expect, it } from "vitest";
import { childLogEnv } from "./log-env.js";

it("asks for readable, coloured lines when the supervisor writes to a terminal and no format is set", () => {
  expect(childLogEnv(true, {})).toEqual({ LOG_FORMAT: "pretty", FORCE_COLOR: "1" });
  expect(childLogEnv(true, { NO_COLOR: "1" })).toEqual({ LOG_FORMAT: "pretty" });
});

it("leaves the format alone when it is set, or when the output goes to a file or a collector", () => {
  expect(childLogEnv(true, { LOG_FORMAT: "json" })).toEqual({});
  expect(childLogEnv(false, {})).toEqual({});
});
