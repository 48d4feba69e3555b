import { createHash } from "node:crypto";
import type { InferInput, ToolUse } from "../contracts/index.js";

/**
 * A completion prompt is digested in blocks of this many characters. Small, because prompts that
 * share a long start (a system text, a few-shot preamble) differ only after it: with coarser
 * blocks every slot holding that start tied with the one holding the conversation itself.
 */
export const PROMPT_BLOCK_CHARS = 64;

const link = (previous: string, part: string) => createHash("sha1").update(previous).update("\0").update(part).digest("hex").slice(0, 16);

/**
 * A chain of digests over a prompt's leading parts: each covers everything before it, so two
 * prompts share the chain up to where they diverge. A chat is cut at its messages (the functions
 * it offers first, as templates render them at the top), a completion at every 64 characters,
 * with a last digest over the whole prompt so that the same prompt sent again matches to its end.
 * The gateway and the workers compute it alike, with no tokenizer: a worker advertises the chains
 * its slots hold, a gateway looks up a request's chain, deepest first.
 */
export function promptPrefixDigests(input: InferInput, tools?: ToolUse): string[] {
  if (input.kind === "embed") return [];
  const chain: string[] = [];
  if (input.kind === "chat") {
    let last = link("chat", JSON.stringify(tools?.tools ?? null));
    chain.push(last);
    for (const m of input.messages) {
      last = link(last, JSON.stringify([m.role, m.content, m.reasoning ?? null, m.toolCalls ?? null]));
      chain.push(last);
    }
    return chain;
  }
  const { prompt } = input;
  let last = "completion";
  let at = 0;
  for (; at + PROMPT_BLOCK_CHARS <= prompt.length; at += PROMPT_BLOCK_CHARS) {
    last = link(last, prompt.slice(at, at + PROMPT_BLOCK_CHARS));
    chain.push(last);
  }
  chain.push(link(last, `end\0${prompt.slice(at)}`));
  return chain;
}
