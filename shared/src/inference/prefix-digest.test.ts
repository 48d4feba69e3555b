import { describe, expect, it } from "vitest";
import type { ChatTurn, InferInput } from "../contracts/index.js";
import { PROMPT_BLOCK_CHARS, promptPrefixDigests } from "./prefix-digest.js";

const chat = (...messages: ChatTurn[]): InferInput => ({ kind: "chat", messages });
const user = (content: string): ChatTurn => ({ role: "user", content });
const assistant = (content: string): ChatTurn => ({ role: "assistant", content });

describe("a prompt's prefix digests", () => {
  it("share a conversation's earlier turns with its next one, and differ where it changes", () => {
    const turn1 = promptPrefixDigests(chat({ role: "system", content: "Be brief." }, user("Hi")));
    const turn2 = promptPrefixDigests(chat({ role: "system", content: "Be brief." }, user("Hi"), assistant("Hello!"), user("Tell a story")));
    expect(turn2.slice(0, turn1.length)).toEqual(turn1);
    expect(turn2).toHaveLength(turn1.length + 2);
    const edited = promptPrefixDigests(chat({ role: "system", content: "Be brief." }, user("Hey"), assistant("Hello!"), user("Tell a story")));
    expect(edited.slice(0, 2)).toEqual(turn2.slice(0, 2));
    expect(edited[2]).not.toBe(turn2[2]);
  });

  it("start apart for chats offering other functions, since templates render them first", () => {
    const plain = promptPrefixDigests(chat(user("Hi")));
    const withTools = promptPrefixDigests(chat(user("Hi")), { tools: [{ name: "f" }], choice: { type: "auto" }, parallel: true });
    expect(withTools[0]).not.toBe(plain[0]);
  });

  it("cover a completion block by block, and the same prompt again to its end", () => {
    const start = "x".repeat(PROMPT_BLOCK_CHARS * 3 + 10);
    const first = promptPrefixDigests({ kind: "completion", prompt: start });
    const longer = promptPrefixDigests({ kind: "completion", prompt: `${start}${"y".repeat(300)}` });
    expect(first).toHaveLength(4);
    expect(longer.slice(0, 3)).toEqual(first.slice(0, 3));
    expect(longer[3]).not.toBe(first[3]);
    expect(promptPrefixDigests({ kind: "completion", prompt: start })).toEqual(first);
  });

  it("are none for embeddings", () => {
    expect(promptPrefixDigests({ kind: "embed", inputs: ["a"] })).toEqual([]);
  });
});
