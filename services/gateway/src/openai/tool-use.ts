import { schemaProblem, type ChatCompletionRequest, type FunctionDefinition, type ToolSpec, type ToolUse } from "@lantern/shared/contracts";
import { invalidRequest } from "../errors/api-error.js";

/** What a chat request asks of function calling, and in which of the two OpenAI dialects. */
interface ToolRequest {
  /** Absent: no functions offered (none given, or `tool_choice: "none"`). */
  toolUse: ToolUse | undefined;
  /** The deprecated `functions`/`function_call` fields: the reply answers with `function_call`. */
  legacy: boolean;
}

/** Refuses, naming `param`, a schema of a function's arguments that the grammar cannot enforce. */
export function checkParameters(parameters: Record<string, unknown>, param: string): void {
  if (parameters.type !== "object") {
    throw invalidRequest("The parameters of a function must be a JSON schema of type 'object'.", param, "unsupported_schema");
  }
  const problem = schemaProblem(parameters);
  if (problem) throw invalidRequest(problem, param, "unsupported_schema");
}

/** Checks one function definition; `at` is its path in the request (`tools[0].function`). */
function toolSpec(fn: FunctionDefinition, at: string): ToolSpec {
  const { parameters } = fn;
  if (parameters !== undefined) checkParameters(parameters, `${at}.parameters`);
  return {
    name: fn.name,
    ...(fn.description ? { description: fn.description } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
}

/**
 * `tools`/`tool_choice`/`parallel_tool_calls`, or the legacy `functions`/`function_call`, as the
 * job's tool use. Every definition is checked even when none may be called, and a choice must
 * name a function that was given.
 */
export function toolRequestFrom(req: ChatCompletionRequest): ToolRequest {
  const legacy = req.functions != null && req.functions.length > 0;
  if (legacy && req.tools?.length) throw invalidRequest("Send either 'tools' or the legacy 'functions', not both.", "functions");
  if (legacy && req.tool_choice != null) throw invalidRequest("'tool_choice' goes with 'tools'; with 'functions' use 'function_call'.", "tool_choice");
  if (!legacy && req.function_call != null) throw invalidRequest("'function_call' goes with 'functions'; with 'tools' use 'tool_choice'.", "function_call");

  const definitions = legacy
    ? req.functions!.map((fn, i) => ({ fn, at: `functions[${i}]` }))
    : (req.tools ?? []).map((tool, i) => ({ fn: tool.function, at: `tools[${i}].function` }));
  const seen = new Set<string>();
  const tools = definitions.map(({ fn, at }) => {
    if (seen.has(fn.name)) throw invalidRequest(`Two functions are named '${fn.name}'.`, `${at}.name`);
    seen.add(fn.name);
    return toolSpec(fn, at);
  });

  const choiceParam = legacy ? "function_call" : "tool_choice";
  const raw = legacy ? req.function_call : req.tool_choice;
  const named = raw != null && typeof raw === "object" ? ("function" in raw ? raw.function.name : raw.name) : undefined;
  const mode = raw == null ? "auto" : typeof raw === "string" ? raw : "function";
  if (tools.length === 0) {
    if (mode === "required" || mode === "function") throw invalidRequest(`'${choiceParam}' asks for a call, but no tools were given.`, choiceParam);
    return { toolUse: undefined, legacy };
  }
  if (named !== undefined && !seen.has(named)) throw invalidRequest(`'${choiceParam}' names '${named}', which is not among the given functions.`, choiceParam);
  if (mode === "none") return { toolUse: undefined, legacy };
  if (req.response_format && req.response_format.type !== "text") {
    throw invalidRequest(`'response_format' cannot be combined with function calling; set '${choiceParam}' to 'none' or drop one of them.`, "response_format");
  }
  if (req.grammar) throw invalidRequest(`'grammar' cannot be combined with function calling; set '${choiceParam}' to 'none' or drop one of them.`, "grammar");
  return {
    legacy,
    toolUse: {
      tools,
      choice: named !== undefined ? { type: "function", name: named } : { type: mode === "required" ? "required" : "auto" },
      // The legacy dialect returns a single function_call.
      parallel: legacy ? false : (req.parallel_tool_calls ?? true),
    },
  };
}
