import { describe, expect, it } from "vitest";
import { StopSequenceMatcher } from "./stop-sequences.js";

function run(stops: string[], pieces: string[]) {
  const m = new StopSequenceMatcher(stops);
  let out = "";
  for (const p of pieces) out += m.push(p);
  out += m.flush();
  return { out, stopped: m.stopped };
}

describe("StopSequenceMatcher", () => {
  it("passes text through when there are no stops", () => {
    expect(run([], ["a", "b"])).toEqual({ out: "ab", stopped: false });
  });

  it("cuts at a stop that starts with a space, across pieces", () => {
    expect(run([" a"], ["there", " was", " ", "a little"])).toEqual({ out: "there was", stopped: true });
  });

  it("cuts at the earliest of several stops", () => {
    expect(run(["little", "was"], [", there was a little"])).toEqual({ out: ", there ", stopped: true });
  });

  it("releases held-back text that turned out not to be a stop", () => {
    const m = new StopSequenceMatcher(["The end"]);
    expect(m.push("So The")).toBe("So ");
    expect(m.push(" dog")).toBe("The dog");
    expect(m.push(" The e")).toBe(" ");
    expect(m.flush()).toBe("The e");
    expect(m.stopped).toBe(false);
  });

  it("emits nothing after a stop", () => {
    const m = new StopSequenceMatcher(["\n"]);
    expect(m.push("line one\nline two")).toBe("line one");
    expect(m.push("more")).toBe("");
    expect(m.stopped).toBe(true);
  });

  it("names the stop string that ended the text: the earliest found, none before", () => {
    const m = new StopSequenceMatcher(["little", "was"]);
    expect(m.push(", there w")).toBe(", there ");
    expect(m.matched).toBeUndefined();
    expect(m.push("as a little")).toBe("");
    expect(m.matched).toBe("was");
  });
});
