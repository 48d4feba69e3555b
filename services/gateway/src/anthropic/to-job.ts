import { randomInt } from "node:crypto";
import type { AnthropicCountTokensRequest, AnthropicMessagesRequest, ChatMessage, GenerationSpec, InferInput, ReasoningOptions, Sampling, ToolUse } from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";
import { chatTurns } from "../openai/chat-turns.js";
import { openAiMessages } from "./anthropic-turns.js";
import { toolRequestOf } from "./anthropic-tools.js";

type Thinking = AnthropicCountTokensRequest["thinking"];

/** `thinking` as what the worker does with thoughts: a budget, none at all, or the model's own way. */
function reasoningOf(thinking: Thinking): ReasoningOptions | undefined {
  if (!thinking) return undefined;
  if (thinking.type === "enabled") return { inline: false, maxTokens: thinking.budget_tokens };
  // A template that opens every reply in a thought closes it after its first token (which the renderer leaves out).
  if (thinking.type === "disabled") return { inline: false, maxTokens: 0 };
  return { inline: false };
}

/** A request's prompt as the job's input and tools (what `/count_tokens` counts), with its OpenAI messages. */
interface Prompt {
  input: InferInput;
  tools: ToolUse | undefined;
  messages: ChatMessage[];
  /** `tools`, `tool_choice` and `parallel_tool_calls` in OpenAI's shape. */
  openAiTools: Record<string, unknown>;
}

export function promptOf(req: AnthropicCountTokensRequest): Prompt {
  // Remote MCP servers are connected by Anthropic's side.
  if (req.mcp_servers?.length) throw unsupportedParameter("mcp_servers", "(remote MCP servers) are not supported");
  const messages = openAiMessages(req);
  const { toolUse, openAi } = toolRequestOf(req);
  return { input: { kind: "chat", messages: chatTurns(messages) }, tools: toolUse, messages, openAiTools: openAi };
}

/** A Messages request as the one job spec the fleet runs, and as the OpenAI chat body an upstream route step is sent. */
interface MessagesJob {
  job: GenerationSpec;
  openAiBody: Record<string, unknown>;
}

/** A Messages request turned into its job, once; a field the platform cannot honour is a 400 naming it. */
export function messagesJob(req: AnthropicMessagesRequest): MessagesJob {
  const { thinking } = req;
  if (thinking?.type === "enabled" && thinking.budget_tokens >= req.max_tokens) {
    throw invalidRequest("'max_tokens' must be greater than 'thinking.budget_tokens'.", "thinking.budget_tokens");
  }
  const prompt = promptOf(req);
  const reasoning = reasoningOf(thinking);
  const sampling: Sampling = {
    maxTokens: req.max_tokens,
    temperature: req.temperature ?? 1,
    // top_p 0 asks for the single most likely token; the sampler needs a positive mass.
    topP: Math.max(req.top_p ?? 1, 1e-6),
    ...(req.top_k !== undefined ? { topK: req.top_k } : {}),
    // Fixed, so a job redelivered to another worker reproduces its text.
    seed: randomInt(0, 2 ** 32 - 1),
    presencePenalty: 0,
    frequencyPenalty: 0,
    stop: req.stop_sequences ?? [],
  };
  // top_k has no OpenAI field: an upstream step samples with its own.
  const openAiBody: Record<string, unknown> = {
    model: req.model,
    messages: prompt.messages,
    max_tokens: req.max_tokens,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.top_p !== undefined ? { top_p: req.top_p } : {}),
    ...(req.stop_sequences?.length ? { stop: req.stop_sequences } : {}),
    ...prompt.openAiTools,
    ...(reasoning?.maxTokens !== undefined ? { reasoning_budget: reasoning.maxTokens } : {}),
    ...(req.stream ? { stream: true } : {}),
  };
  return { job: { input: prompt.input, sampling, tools: prompt.tools, reasoning }, openAiBody };
}
