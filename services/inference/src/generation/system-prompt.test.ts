import { describe, expect, it } from "vitest";
import { parseModelEntry } from "../models/model-spec.js";
import { withSystemPrompt } from "./system-prompt.js";

describe("a model's default system prompt", () => {
  it("goes first in a chat without a system message, and nowhere else", () => {
    const user = { role: "user" as const, content: "hi" };
    expect(withSystemPrompt([user], "You are DictaLM.")).toEqual([{ role: "system", content: "You are DictaLM." }, user]);
    const own = [{ role: "system" as const, content: "Be brief." }, user];
    expect(withSystemPrompt(own, "You are DictaLM.")).toBe(own);
    expect(withSystemPrompt([user], "")).toEqual([user]);
  });

  it("is a model entry's option", () => {
    const parsed = parseModelEntry("dicta=dictalm.gguf?systemPrompt=You%20are%20DictaLM.&slots=2");
    expect(parsed).toEqual({ ok: true, spec: { name: "dicta", file: "dictalm.gguf", systemPrompt: "You are DictaLM.", slots: 2 } });
  });
});
