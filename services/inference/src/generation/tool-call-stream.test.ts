import { describe, expect, it } from "vitest";
import { ToolCallStream, type ToolCallPiece } from "./tool-call-stream.js";

function collect(feed: (stream: ToolCallStream) => void): ToolCallPiece[] {
  const pieces: ToolCallPiece[] = [];
  feed(new ToolCallStream((p) => pieces.push(p)));
  return pieces;
}

const joined = (pieces: ToolCallPiece[], index: number) =>
  pieces
    .filter((p) => p.index === index)
    .map((p) => p.arguments)
    .join("");

describe("ToolCallStream", () => {
  it("drops the whitespace around the JSON but keeps it inside", () => {
    const pieces = collect((s) => {
      for (const t of ["\n ", "{", " \"", "city", "\":", " \"", "New", " ", " ", "York", "\" ", "}", "\n", "\n\n"]) s.arguments("w", t);
      s.callEnded("w", { city: "New  York" });
    });
    expect(joined(pieces, 0)).toBe('{ "city": "New  York" }');
    expect(JSON.parse(joined(pieces, 0))).toEqual({ city: "New  York" });
    // Nothing is sent for pieces that are only whitespace so far.
    expect(pieces.every((p) => p.arguments.length > 0)).toBe(true);
  });

  it("numbers the calls and gives a call without arguments {}", () => {
    const pieces = collect((s) => {
      s.callEnded("ping", undefined);
      s.arguments("w", '{"a":1}\n');
      s.callEnded("w", { a: 1 });
      s.callEnded("empty", {});
    });
    expect(pieces).toEqual([
      { index: 0, name: "ping", arguments: "{}" },
      { index: 1, name: "w", arguments: '{"a":1}' },
      { index: 2, name: "empty", arguments: "{}" },
    ]);
  });

  it("leaves a call cut short as far as it came", () => {
    const pieces = collect((s) => {
      s.arguments("w", '{"a": ');
    });
    expect(joined(pieces, 0)).toBe('{"a":');
  });
});
