import { describe, expect, it } from "vitest";
import { parseStreamEventId, streamEventId } from "./stream-record.js";

describe("stream event ids", () => {
  it("name a request and a reply, and read back", () => {
    expect(streamEventId("req_AbC-1_x", 12)).toBe("req_AbC-1_x:12");
    expect(parseStreamEventId("req_AbC-1_x:12")).toEqual({ requestId: "req_AbC-1_x", seq: 12 });
    expect(parseStreamEventId(" req_a:3 ")).toEqual({ requestId: "req_a", seq: 3 });
  });

  it("refuse what cannot be one of ours, so it never reaches a subject", () => {
    for (const id of ["", "req_a", "req_a:", "req.a:1", "req_a:-1", "req_a:1.5", "*:1", "req_a:1:2", `${"a".repeat(97)}:1`]) {
      expect(parseStreamEventId(id), id).toBeNull();
    }
  });
});
