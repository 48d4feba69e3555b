import { describe, expect, it } from "vitest";
import { LlamaText, SpecialTokensText, type LlamaChatResponseChunk, type Token } from "node-llama-cpp";
import { ReplyChannels, thoughtTagsOf, type ThoughtTags } from "./reply-channels.js";

const text = (t: string): LlamaChatResponseChunk => ({ type: undefined, segmentType: undefined, text: t, tokens: [1 as Token] });
const thought = (t: string, edge: { start?: boolean; end?: boolean } = {}): LlamaChatResponseChunk => ({
  type: "segment",
  segmentType: "thought",
  text: t,
  tokens: t ? [1 as Token] : [],
  ...(edge.start ? { segmentStartTime: new Date() } : {}),
  ...(edge.end ? { segmentEndTime: new Date() } : {}),
});

function run(chunks: LlamaChatResponseChunk[], opts: { stop?: string[]; inline?: ThoughtTags } = {}) {
  let content = "";
  let reasoning = "";
  const channels = new ReplyChannels({
    stop: opts.stop ?? [],
    inlineThoughts: opts.inline,
    onText: (t) => (content += t),
    onReasoning: (t) => (reasoning += t),
  });
  for (const chunk of chunks) channels.push(chunk);
  channels.flush();
  return { content, reasoning, stopped: channels.stopped };
}

const story = [thought("", { start: true }), thought("Let me"), thought(" think."), thought("", { end: true }), text("Once"), text(" upon")];

describe("ReplyChannels", () => {
  it("sends thoughts apart from the text", () => {
    expect(run(story)).toEqual({ content: "Once upon", reasoning: "Let me think.", stopped: false });
  });

  it("keeps thoughts inline between the template's tags when asked", () => {
    const inline = { open: "<think>\n", close: "\n</think>" };
    expect(run(story, { inline }).content).toBe("<think>\nLet me think.\n</think>Once upon");
    expect(run(story, { inline }).reasoning).toBe("");
  });

  it("leaves a thought that never closed as reasoning only", () => {
    expect(run([thought("", { start: true }), thought("hmm"), thought(" still")])).toEqual({ content: "", reasoning: "hmm still", stopped: false });
  });

  it("looks for stop strings in the text, not in thoughts kept apart", () => {
    const res = run([thought("The end is near"), text("Once upon a time. The e"), text("nd. More")], { stop: ["The end"] });
    expect(res).toEqual({ content: "Once upon a time. ", reasoning: "The end is near", stopped: true });
  });

  it("reads the tags from the template's settings", () => {
    const tags = thoughtTagsOf({
      supportsSystemMessages: true,
      functions: { call: { optionalPrefixSpace: true, prefix: "", paramsPrefix: "", suffix: "" }, result: { prefix: "", suffix: "" } },
      segments: { thought: { prefix: LlamaText(new SpecialTokensText("<think>")), suffix: "</think>" } },
    });
    expect(tags).toEqual({ open: "<think>", close: "</think>" });
  });
});
