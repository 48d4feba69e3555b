import { isChatModelResponseFunctionCall, type ChatHistoryItem, type ChatModelResponse } from "node-llama-cpp";
import type { ChatToolCall, ChatTurn } from "@lantern/shared/contracts";

/** A tool's answer as the template renders it: JSON stays JSON, anything else is a string. */
function resultValue(result: string): unknown {
  try {
    const value: unknown = JSON.parse(result);
    if (typeof value === "object" && value !== null) return value;
  } catch {
    // Not JSON: plain text.
  }
  return result;
}

function functionCalls(calls: ChatToolCall[]): ChatModelResponse["response"] {
  return calls.map((call, i) => ({
    type: "functionCall",
    name: call.name,
    params: JSON.parse(call.arguments) as unknown,
    result: resultValue(call.result),
    // The calls of one assistant message form one block in templates that group parallel calls.
    startsNewChunk: i === 0,
  }));
}

const endsWithCall = (item: ChatHistoryItem | undefined): item is ChatModelResponse =>
  item?.type === "model" && isChatModelResponseFunctionCall(item.response.at(-1));

/**
 * The job's turns as node-llama-cpp's chat history, ending in the model response to generate.
 * An assistant turn after one that made calls continues that same model response (calls, their
 * results, then more text), as templates render a function-calling turn; and when the
 * conversation ends with call results, the reply goes on with that response instead of starting
 * a new one. Earlier thoughts are kept for templates that have thought segments (the template
 * decides whether to show them again) and dropped for those that have nowhere to put them.
 */
export function toChatHistory(messages: ChatTurn[], templateHasThoughts: boolean): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role !== "assistant") {
      history.push({ type: m.role, text: m.content });
      continue;
    }
    const last = history.at(-1);
    const continued = endsWithCall(last) ? last : undefined;
    const response: ChatModelResponse["response"] = continued?.response ?? [];
    if (m.reasoning && templateHasThoughts) response.push({ type: "segment", segmentType: "thought", text: m.reasoning, ended: true });
    if (m.content || (!m.toolCalls && response.length === 0)) response.push(m.content);
    if (m.toolCalls) response.push(...functionCalls(m.toolCalls));
    if (!continued) history.push({ type: "model", response });
  }
  if (!endsWithCall(history.at(-1))) history.push({ type: "model", response: [] });
  return history;
}
