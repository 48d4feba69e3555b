import { LlamaText, type ChatModelFunctions, type ChatWrapper, type ChatWrapperGeneratedContextState, type GbnfJsonSchema } from "node-llama-cpp";
import type { ToolUse } from "@lantern/shared/contracts";

/** How one reply may call functions, in node-llama-cpp's terms. */
export interface FunctionCalling {
  /** The functions the model is shown and may call. */
  functions: ChatModelFunctions;
  /** The template to generate with: the model's own, or one made to open the reply with a call. */
  chatWrapper: ChatWrapper;
  maxParallelFunctionCalls: number | undefined;
}

/**
 * The template's context state with the reply starting in function-calling mode. LlamaChat
 * then generates a call's name with a grammar of the offered names and its arguments with a
 * grammar of that function's parameter schema, so a forced call is always well-formed even from
 * a model that would never choose to call.
 */
function forceCallState(state: ChatWrapperGeneratedContextState): ChatWrapperGeneratedContextState {
  const { contextText, stopGenerationTriggers } = state;
  // Templates that decide by the start of the reply (Functionary style) get their call mode engaged from the start.
  if (state.functionCall || state.ignoreStartText) {
    return { contextText, stopGenerationTriggers, functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] } };
  }
  return {
    contextText,
    stopGenerationTriggers,
    ...(state.rerender ? { rerender: state.rerender } : {}),
    noPrefixTrigger: { type: "functionCall", inject: LlamaText([]) },
  };
}

/** The same template, except that each reply opens with a function call. */
export function forcingFunctionCall(template: ChatWrapper): ChatWrapper {
  // Delegation by prototype: settings, call syntax and rendering all stay the template's own.
  const forced = Object.create(template) as ChatWrapper;
  forced.generateContextState = (options) => forceCallState(template.generateContextState(options));
  return forced;
}

export function functionCallingFor(template: ChatWrapper, toolUse: ToolUse): FunctionCalling {
  const { choice } = toolUse;
  // A named choice offers only that function, so the name grammar has one way to go.
  const offered = choice.type === "function" ? toolUse.tools.filter((t) => t.name === choice.name) : toolUse.tools;
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of offered) {
    functions[tool.name] = {
      ...(tool.description ? { description: tool.description } : {}),
      // The gateway checked the schema against what the grammar builder supports.
      ...(tool.parameters ? { params: tool.parameters as GbnfJsonSchema } : {}),
    };
  }
  return {
    functions,
    chatWrapper: choice.type === "auto" ? template : forcingFunctionCall(template),
    maxParallelFunctionCalls: toolUse.parallel ? undefined : 1,
  };
}
