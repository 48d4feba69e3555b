import { describe, expect, it } from "vitest";
import { chooseLogFormat, wantsColour } from "./log-format.js";

const terminal = { isTTY: true };
const pipe = {};

describe("choosing the log format", () => {
  it("writes readable lines to a terminal and JSON to a pipe or a file", () => {
    expect(chooseLogFormat(undefined, terminal)).toBe("pretty");
    expect(chooseLogFormat(undefined, pipe)).toBe("json");
  });

  it("writes what LOG_FORMAT asks for, wherever the lines go", () => {
    expect(chooseLogFormat("json", terminal)).toBe("json");
    expect(chooseLogFormat("pretty", pipe)).toBe("pretty");
  });
});

describe("colour", () => {
  it.each([
    ["a terminal", terminal, {}, true],
    ["a dumb terminal", terminal, { TERM: "dumb" }, false],
    ["a pipe", pipe, {}, false],
    ["a pipe with FORCE_COLOR=1 (a supervisor on a terminal)", pipe, { FORCE_COLOR: "1" }, true],
    ["a terminal with FORCE_COLOR=0", terminal, { FORCE_COLOR: "0" }, false],
    ["a terminal with NO_COLOR", terminal, { NO_COLOR: "1" }, false],
    ["NO_COLOR beside FORCE_COLOR", pipe, { NO_COLOR: "1", FORCE_COLOR: "1" }, false],
  ])("%s: %s", (_case, stream, env, expected) => {
    expect(wantsColour(stream, env)).toBe(expected);
  });
});
