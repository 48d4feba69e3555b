import { createHash } from "node:crypto";
import { ResponsesMessageItem, type ResponsesInputItem, type ResponsesRequest } from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";

/** An input item as it is stored and listed: its own id, the message form made explicit. */
export type StoredItem = Record<string, unknown> & { id: string; type: string };

const TEXT_PARTS = new Set(["input_text", "output_text"]);

/** Ids of the request's items, stable for the same response (a stored response lists the same ids). */
function itemId(responseId: string, index: number, type: string): string {
  const prefix = type === "function_call" ? "fc" : type === "function_call_output" ? "fco" : type === "reasoning" ? "rs" : "msg";
  return `${prefix}_${createHash("sha256").update(`${responseId}:input:${index}`).digest("hex").slice(0, 32)}`;
}

/** A message item's text; image, file and other parts cannot be honoured, and are refused by name. */
export function messageText(content: string | Array<{ type: string; text?: unknown; refusal?: unknown }>, at: string): string {
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      if (TEXT_PARTS.has(part.type) && typeof part.text === "string") return part.text;
      if (part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
      throw unsupportedParameter(`${at}.content[${j}].type`, `'${part.type}' content parts are not supported: only text is`);
    })
    .join("");
}

const SUPPORTED_ITEMS = new Set(["message", "function_call", "function_call_output", "reasoning"]);

/**
 * The request's `input` as items of the kinds served here, each with an id; any other kind
 * (`item_reference`, built-in tool calls, ...) is a 400 naming it. Message content is checked
 * for parts that are not text.
 */
export function inputItems(req: ResponsesRequest, responseId: string): StoredItem[] {
  const raw: ResponsesInputItem[] = typeof req.input === "string" ? [{ type: "message", role: "user", content: req.input }] : req.input;
  if (raw.length === 0) throw invalidRequest("'input' must hold at least one item.", "input", "invalid_value");
  return raw.map((item, i) => {
    const at = `input[${i}]`;
    const type = item.type ?? "message";
    if (!SUPPORTED_ITEMS.has(type)) throw unsupportedParameter(`${at}.type`, `'${type}' items are not supported: send messages, function_call, function_call_output or reasoning items`);
    if (type === "message") {
      const message = ResponsesMessageItem.safeParse(item);
      if (!message.success) throw invalidRequest(`${at} is not a valid message: it needs a 'role' and a 'content'.`, `${at}.role`);
      const { role, content } = message.data;
      messageText(content, at);
      // Listed as OpenAI lists input items: content as parts, always.
      const parts = typeof content === "string" ? [{ type: role === "assistant" ? "output_text" : "input_text", text: content }] : content;
      return { ...message.data, type, id: message.data.id ?? itemId(responseId, i, type), content: parts, status: "completed" } as StoredItem;
    }
    return { ...item, type, id: typeof item.id === "string" ? item.id : itemId(responseId, i, type) } as StoredItem;
  });
}
