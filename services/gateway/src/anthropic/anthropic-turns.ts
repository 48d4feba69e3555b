import type { AnthropicContentBlock, AnthropicMessagesRequest, ChatMessage } from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";

type Block = AnthropicContentBlock;
type Conversation = Pick<AnthropicMessagesRequest, "system" | "messages">;

/** A block type Anthropic defines that is not served here (images, documents, server tool results): refused, naming it. */
function unsupportedBlock(block: { type: string }, param: string): never {
  throw unsupportedParameter(`${param}.type`, `'${block.type}' content blocks are not supported (only text, tool_use, tool_result and thinking)`);
}

/** Several text blocks of one message: Anthropic reads each as its own paragraph. */
const joined = (texts: string[]) => texts.join("\n");

function toolResultText(block: Extract<Block, { type: "tool_result" }>, param: string): string {
  const { content } = block;
  const text =
    content === undefined
      ? ""
      : typeof content === "string"
        ? content
        : joined(content.map((part, k) => (part.type === "text" ? part.text : unsupportedBlock(part, `${param}.content[${k}]`))));
  // The model sees that the call failed, as it would from Anthropic's own rendering of the flag.
  return block.is_error ? `Error: ${text}` : text;
}

/** Tool calls of the preceding assistant message still waiting for their results, by id. */
type OpenCalls = Map<string, string>;

function userMessages(content: Block[], at: string, open: OpenCalls): ChatMessage[] {
  const results: ChatMessage[] = [];
  const texts: string[] = [];
  content.forEach((block, j) => {
    const param = `${at}.content[${j}]`;
    if (block.type === "text") texts.push(block.text);
    else if (block.type === "tool_result") {
      if (!open.delete(block.tool_use_id)) {
        throw invalidRequest(
          `'tool_result' block answers '${block.tool_use_id}', which is no tool_use of the preceding assistant message (or was answered already).`,
          `${param}.tool_use_id`,
          "unknown_tool_use_id",
        );
      }
      results.push({ role: "tool", tool_call_id: block.tool_use_id, content: toolResultText(block, param) });
    } else if (block.type === "tool_use" || block.type === "thinking" || block.type === "redacted_thinking") {
      throw invalidRequest(`'${block.type}' blocks belong in assistant messages.`, `${param}.type`);
    } else unsupportedBlock(block, param);
  });
  // Results go first, each paired with its call; the user's own words follow.
  return texts.length > 0 || results.length === 0 ? [...results, { role: "user", content: joined(texts) }] : results;
}

function assistantMessage(content: Block[], at: string, open: OpenCalls): ChatMessage {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const calls: NonNullable<ChatMessage["tool_calls"]> = [];
  content.forEach((block, j) => {
    const param = `${at}.content[${j}]`;
    if (block.type === "text") texts.push(block.text);
    else if (block.type === "thinking") thoughts.push(block.thinking);
    // Anthropic's encrypted thoughts mean nothing to another model: passed over.
    else if (block.type === "redacted_thinking") return;
    else if (block.type === "tool_use") {
      if (open.has(block.id)) throw invalidRequest(`Two tool_use blocks have the id '${block.id}'.`, `${param}.id`);
      open.set(block.id, param);
      calls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } });
    } else if (block.type === "tool_result") {
      throw invalidRequest("'tool_result' blocks belong in user messages.", `${param}.type`);
    } else unsupportedBlock(block, param);
  });
  return {
    role: "assistant",
    content: texts.join(""),
    ...(thoughts.length > 0 ? { reasoning_content: thoughts.join("") } : {}),
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}

function requireAnswered(open: OpenCalls): void {
  const [id, param] = open.entries().next().value ?? [];
  if (id === undefined) return;
  throw invalidRequest(
    `tool_use ids were found without tool_result blocks immediately after: '${id}'. Each tool_use block must be answered by a tool_result block in the next user message.`,
    param,
    "tool_result_missing",
  );
}

/**
 * An Anthropic conversation as OpenAI chat messages: what the job's turns are made of and what
 * an upstream route step is sent. Each assistant message's tool_use blocks must be answered by
 * tool_result blocks in the user message right after it, as Anthropic requires.
 */
export function openAiMessages({ system, messages }: Conversation): ChatMessage[] {
  const out: ChatMessage[] = [];
  const systemText = typeof system === "string" ? system : system ? joined(system.map((block) => block.text)) : "";
  if (systemText) out.push({ role: "system", content: systemText });
  const open: OpenCalls = new Map();
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (message.role === "assistant") {
      requireAnswered(open);
      out.push(typeof message.content === "string" ? { role: "assistant", content: message.content } : assistantMessage(message.content, at, open));
      return;
    }
    if (typeof message.content === "string") {
      requireAnswered(open);
      out.push({ role: "user", content: message.content });
      return;
    }
    out.push(...userMessages(message.content, at, open));
    requireAnswered(open);
  });
  requireAnswered(open);
  return out;
}
