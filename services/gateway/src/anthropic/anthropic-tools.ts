import type { AnthropicMessagesRequest, ToolSpec, ToolUse } from "@lantern/shared/contracts";
import { invalidRequest, unsupportedParameter } from "../errors/api-error.js";
import { checkParameters } from "../openai/tool-use.js";

type ToolFields = Pick<AnthropicMessagesRequest, "tools" | "tool_choice">;

/** What a request asks of function calling: the job's tool use, and the same in OpenAI's fields for an upstream. */
interface AnthropicToolRequest {
  /** Absent: no tools offered (none given, or `tool_choice: none`). */
  toolUse: ToolUse | undefined;
  openAi: Record<string, unknown>;
}

/** Client tools as the job's functions, each schema checked as OpenAI tools' are; server tools are refused. */
function toolSpecs(tools: NonNullable<ToolFields["tools"]>): ToolSpec[] {
  const seen = new Set<string>();
  return tools.map((tool, i) => {
    const at = `tools[${i}]`;
    if (tool.type !== undefined && tool.type !== "custom") {
      throw unsupportedParameter(`${at}.type`, `'${tool.type}' is a server tool, run on Anthropic's side; only client tools (a name and an input_schema) are supported`);
    }
    if (!tool.input_schema) throw invalidRequest("A tool needs an 'input_schema'.", `${at}.input_schema`);
    checkParameters(tool.input_schema, `${at}.input_schema`);
    if (seen.has(tool.name)) throw invalidRequest(`Two tools are named '${tool.name}'.`, `${at}.name`);
    seen.add(tool.name);
    return { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema };
  });
}

/**
 * `tools` and `tool_choice` as the job's tool use: `any` is OpenAI's `required`, `tool` a named
 * function, `disable_parallel_tool_use` at most one call. Every tool is checked even when none
 * may be called, and a choice must name a tool that was given.
 */
export function toolRequestOf(req: ToolFields): AnthropicToolRequest {
  const tools = toolSpecs(req.tools ?? []);
  const choice = req.tool_choice ?? { type: "auto" as const };
  if (tools.length === 0) {
    if (choice.type === "any" || choice.type === "tool") throw invalidRequest(`'tool_choice' of type '${choice.type}' asks for a call, but no tools were given.`, "tool_choice.type");
    return { toolUse: undefined, openAi: {} };
  }
  if (choice.type === "tool" && !tools.some((tool) => tool.name === choice.name)) {
    throw invalidRequest(`'tool_choice' names '${choice.name}', which is not among the given tools.`, "tool_choice.name");
  }
  const openAiTools = tools.map(({ name, description, parameters }) => ({ type: "function", function: { name, ...(description ? { description } : {}), parameters } }));
  if (choice.type === "none") return { toolUse: undefined, openAi: { tools: openAiTools, tool_choice: "none" } };
  const parallel = choice.disable_parallel_tool_use !== true;
  const toolChoice = choice.type === "tool" ? { type: "function" as const, name: choice.name } : { type: choice.type === "any" ? ("required" as const) : ("auto" as const) };
  return {
    toolUse: { tools, choice: toolChoice, parallel },
    openAi: {
      tools: openAiTools,
      tool_choice: toolChoice.type === "function" ? { type: "function", function: { name: toolChoice.name } } : toolChoice.type,
      parallel_tool_calls: parallel,
    },
  };
}
