import type { ChatMessage, ChatToolCall, ChatTurn } from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";

function messageText(message: ChatMessage, index: number): string {
  const content = message.content;
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      throw unsupportedParameter(`messages[${index}].content[${j}].type`, `'${part.type}' content parts are not supported`);
    })
    .join("");
}

/** A call of an assistant turn whose result has not come yet; `param` names it for an error. */
interface OpenCall {
  call: ChatToolCall;
  param: string;
}

function parsedArguments(text: string, param: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw invalidRequest("The arguments of a tool call must be JSON text.", param, "invalid_value");
  }
  return text;
}

/**
 * OpenAI chat messages as the job's turns. Results of tool calls (`role: "tool"` by
 * `tool_call_id`, legacy `role: "function"` by name) are paired with the assistant call they
 * answer, so the template can render each call with its result; every call must be answered
 * before the conversation goes on, and every result must answer a call.
 */
export function chatTurns(messages: ChatMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  // Calls of the latest assistant turn, by id (legacy function calls by name), awaiting results.
  const open = new Map<string, OpenCall>();
  let openLegacy: OpenCall | undefined;

  const requireAnswered = () => {
    const unanswered = [...open.values(), ...(openLegacy ? [openLegacy] : [])][0];
    if (unanswered) {
      throw invalidRequest(
        `Each tool call of an assistant message must be followed by a '${openLegacy ? "function" : "tool"}' message with its result; '${unanswered.call.name}' has none.`,
        unanswered.param,
        "tool_result_missing",
      );
    }
  };

  messages.forEach((message, i) => {
    const at = (field: string) => `messages[${i}].${field}`;
    if (message.role === "tool") {
      if (!message.tool_call_id) throw invalidRequest("A 'tool' message needs the 'tool_call_id' of the call it answers.", at("tool_call_id"));
      const answered = open.get(message.tool_call_id);
      if (!answered) {
        throw invalidRequest(
          `No tool call of the preceding assistant message has the id '${message.tool_call_id}' (or it was answered already).`,
          at("tool_call_id"),
          "unknown_tool_call_id",
        );
      }
      answered.call.result = messageText(message, i);
      open.delete(message.tool_call_id);
      return;
    }
    if (message.role === "function") {
      if (!openLegacy || message.name !== openLegacy.call.name) {
        throw invalidRequest("A 'function' message must answer the function_call of the preceding assistant message, by its name.", at("name"));
      }
      openLegacy.call.result = messageText(message, i);
      openLegacy = undefined;
      return;
    }
    requireAnswered();
    const reasoning = message.reasoning_content ?? message.reasoning;
    if (message.role !== "assistant") {
      for (const field of ["tool_calls", "function_call", "reasoning_content", "reasoning"] as const) {
        if (message[field] != null) throw invalidRequest(`Only assistant messages carry '${field}'.`, at(field));
      }
      turns.push({ role: message.role === "developer" ? "system" : message.role, content: messageText(message, i) });
      return;
    }
    if (message.tool_calls?.length && message.function_call) {
      throw invalidRequest("An assistant message carries either 'tool_calls' or the legacy 'function_call', not both.", at("function_call"));
    }
    const toolCalls: ChatToolCall[] = [];
    message.tool_calls?.forEach((call, j) => {
      const param = at(`tool_calls[${j}]`);
      if (open.has(call.id)) throw invalidRequest(`Two tool calls have the id '${call.id}'.`, `${param}.id`);
      const entry = { name: call.function.name, arguments: parsedArguments(call.function.arguments, `${param}.function.arguments`), result: "" };
      open.set(call.id, { call: entry, param: `${param}.id` });
      toolCalls.push(entry);
    });
    if (message.function_call) {
      const call = message.function_call;
      const entry = { name: call.name, arguments: parsedArguments(call.arguments, at("function_call.arguments")), result: "" };
      openLegacy = { call: entry, param: at("function_call") };
      toolCalls.push(entry);
    }
    turns.push({
      role: "assistant",
      content: messageText(message, i),
      ...(reasoning ? { reasoning } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
    });
  });
  requireAnswered();
  return turns;
}
