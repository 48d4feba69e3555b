import type { ChatMessage } from "@lantern/shared/contracts";
import { messageText, type StoredItem } from "./input-items.js";

/** Where a chat message came from: the item's path in the request, and its calls' paths. */
interface MessageSource {
  at: string;
  calls: string[];
}

export interface ChatMessages {
  messages: ChatMessage[];
  sources: MessageSource[];
}

type Item = StoredItem & Record<string, unknown>;

const outputText = (output: unknown, at: string): string =>
  typeof output === "string" ? output : messageText(output as Array<{ type: string; text?: unknown }>, at);

/** Thought text of a reasoning item, from its content or else its summary. */
function reasoningText(item: Item): string {
  const parts = (Array.isArray(item.content) && item.content.length > 0 ? item.content : item.summary) as Array<{ text?: unknown }> | undefined;
  return (parts ?? []).map((p) => (typeof p.text === "string" ? p.text : "")).join("");
}

/**
 * Items as chat messages: consecutive function_call items (with the reasoning and assistant text
 * before them) become one assistant message with tool_calls, each function_call_output a tool
 * message answering its call by call_id. Items of `previous_response_id`'s conversation are
 * named by that field in errors, the request's own by their place in `input`.
 */
export function chatMessages(instructions: string | null | undefined, context: Item[], input: Item[]): ChatMessages {
  const messages: ChatMessage[] = [];
  const sources: MessageSource[] = [];
  const push = (message: ChatMessage, at: string) => {
    messages.push(message);
    sources.push({ at, calls: [] });
  };
  if (instructions) push({ role: "system", content: instructions }, "instructions");
  // The assistant turn being gathered: its thoughts, text and calls arrive as separate items.
  let turn: { message: ChatMessage; source: MessageSource } | undefined;
  const assistantTurn = (at: string) => {
    if (!turn) {
      turn = { message: { role: "assistant", content: "" }, source: { at, calls: [] } };
      messages.push(turn.message);
      sources.push(turn.source);
    }
    return turn;
  };
  const items = [...context.map((item) => ({ item, at: "previous_response_id" })), ...input.map((item, i) => ({ item, at: `input[${i}]` }))];
  for (const { item, at } of items) {
    if (item.type === "reasoning") {
      const open = assistantTurn(at);
      open.message.reasoning_content = `${open.message.reasoning_content ?? ""}${reasoningText(item)}`;
    } else if (item.type === "function_call") {
      const open = assistantTurn(at);
      const call = { id: String(item.call_id), type: "function" as const, function: { name: String(item.name), arguments: String(item.arguments) } };
      open.message.tool_calls = [...(open.message.tool_calls ?? []), call];
      open.source.calls.push(at);
    } else if (item.type === "function_call_output") {
      turn = undefined;
      push({ role: "tool", tool_call_id: String(item.call_id), content: outputText(item.output, at) }, at);
    } else if (item.role === "assistant" && !turn?.message.tool_calls) {
      const open = assistantTurn(at);
      open.message.content = `${open.message.content as string}${messageText(item.content as string, at)}`;
    } else {
      turn = undefined;
      const role = item.role as "user" | "assistant" | "system" | "developer";
      push({ role, content: messageText(item.content as string, at) }, at);
      if (role === "assistant") turn = { message: messages.at(-1)!, source: sources.at(-1)! };
    }
  }
  return { messages, sources };
}

/**
 * A chat request's field path (as the chat checks name it) as the Responses request's own: a
 * message's tool call becomes its function_call item, the rest keep their place.
 */
export function responsesParam(param: string | null, sources: MessageSource[]): string | null {
  if (param === null) return null;
  const message = /^messages\[(\d+)\](.*)$/.exec(param);
  if (message) {
    const source = sources[Number(message[1])];
    if (!source) return "input";
    const rest = message[2]!;
    const call = /^\.tool_calls\[(\d+)\](?:\.function)?(.*)$/.exec(rest);
    if (call) {
      const callAt = source.calls[Number(call[1])] ?? source.at;
      return `${callAt}${call[2] === ".id" ? ".call_id" : call[2]}`;
    }
    if (rest === ".tool_call_id") return `${source.at}.call_id`;
    return rest.startsWith(".content") ? `${source.at}${rest}` : source.at;
  }
  if (param === "messages") return "input";
  const tool = /^tools\[(\d+)\]\.function(.*)$/.exec(param);
  if (tool) return `tools[${tool[1]}]${tool[2]}`;
  if (param === "max_tokens" || param === "max_completion_tokens") return "max_output_tokens";
  if (param === "reasoning_budget") return "reasoning.effort";
  if (param.startsWith("response_format")) return param.replace(/^response_format(\.json_schema)?/, "text.format");
  return param;
}
