import { LlamaText, type ChatModelFunctions, type ChatWrapper, type ChatWrapperGeneratedContextState, type GbnfJsonSchema } from "node-llama-cpp";
import type { ToolUse } from "@lantern/shared/contracts";
import type { ToolParamsGrammars } from "../models/tool-params-grammar.js";

/** How one reply may call functions, in node-llama-cpp's terms. */
interface FunctionCalling {
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
function forcingFunctionCall(template: ChatWrapper): ChatWrapper {
  // Delegation by prototype: settings, call syntax and rendering all stay the template's own.
  const forced = Object.create(template) as ChatWrapper;
  forced.generateContextState = (options) => forceCallState(template.generateContextState(options));
  return forced;
}

/** The offered functions as the chat template documents them to the model: with their real schemas. */
export function documentedFunctions(toolUse: ToolUse): ChatModelFunctions {
  return functionsOf(toolUse, (parameters) => parameters as GbnfJsonSchema);
}

function functionsOf(toolUse: ToolUse, paramsOf: (parameters: Record<string, unknown>) => GbnfJsonSchema): ChatModelFunctions {
  const { choice } = toolUse;
  // A named choice offers only that function, so the name grammar has one way to go.
  const offered = choice.type === "function" ? toolUse.tools.filter((t) => t.name === choice.name) : toolUse.tools;
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of offered) {
    functions[tool.name] = {
      ...(tool.description ? { description: tool.description } : {}),
      ...(tool.parameters ? { params: paramsOf(tool.parameters) } : {}),
    };
  }
  return functions;
}

/** The same template, documenting `documented` whatever functions generation runs with. */
function documenting(template: ChatWrapper, documented: ChatModelFunctions): ChatWrapper {
  const wrapper = Object.create(template) as ChatWrapper;
  wrapper.generateContextState = (options) => template.generateContextState({ ...options, availableFunctions: documented });
  return wrapper;
}

/**
 * Function calling for one reply. The arguments of a call are generated under Lantern's grammar
 * for each function's schema (through `toolParams`' stand-ins); the template shows the real schemas.
 */
export function functionCallingFor(template: ChatWrapper, toolUse: ToolUse, toolParams: ToolParamsGrammars): FunctionCalling {
  const shown = documenting(template, documentedFunctions(toolUse));
  return {
    functions: functionsOf(toolUse, (parameters) => toolParams.standIn(parameters)),
    chatWrapper: toolUse.choice.type === "auto" ? shown : forcingFunctionCall(shown),
    maxParallelFunctionCalls: toolUse.parallel ? undefined : 1,
  };
}
