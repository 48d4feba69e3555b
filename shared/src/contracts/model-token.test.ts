import { describe, expect, it } from "vitest";
import { natsNames } from "./nats-names.js";
import { toModelToken } from "./model-token.js";

const SUBJECT_TOKEN = /^[a-z0-9_-]+$/;

describe("toModelToken", () => {
  it.each(["stories260K", "x.>", "a.b.c", "*", ">", "a b", "Qwen/Qwen2.5-7B-Instruct:Q4_K_M", "", "ünïcödé", "\u0000"])(
    "maps %j to one safe subject token",
    (name) => {
      const token = toModelToken(name);
      expect(token).toMatch(SUBJECT_TOKEN);
      expect(natsNames("ns").subjects.inferJob(token, "normal").split(".")).toHaveLength(4);
    },
  );

  it("keeps names apart that sanitise alike", () => {
    expect(toModelToken("a.b")).not.toBe(toModelToken("a-b"));
    expect(toModelToken("Model")).not.toBe(toModelToken("model"));
  });

  it("is stable", () => {
    expect(toModelToken("stories260K")).toBe(toModelToken("stories260K"));
  });
});

describe("natsNames", () => {
  it("uses the design's plain names without a namespace", () => {
    const names = natsNames();
    expect(names.streams.infer).toBe("INFER");
    expect(names.subjects.inferAll).toBe("infer.>");
  });

  it("refuses a namespace that would add subject levels or wildcards", () => {
    expect(() => natsNames("a.b")).toThrow();
    expect(() => natsNames("*")).toThrow();
  });
});
