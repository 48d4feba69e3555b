import { LlamaText, SpecialToken, type ChatHistoryItem, type ChatWrapperGeneratedContextState, type Token } from "node-llama-cpp";
import type { InferInput, ToolUse } from "@lantern/shared/contracts";
import type { ServedModel } from "../models/served-model.js";
import { toChatHistory } from "./chat-history.js";
import { withSystemPrompt } from "./system-prompt.js";
import { documentedFunctions } from "./function-calling.js";

/** A job's prompt as the model sees it. */
export interface RenderedPrompt {
  /** The chat as the template renders it; absent for a completion. */
  history: ChatHistoryItem[] | undefined;
  /** The template's rendering of the chat (its stop triggers, prefix triggers, ...); absent for a completion. */
  state: ChatWrapperGeneratedContextState | undefined;
  tokens: Token[];
}

/**
 * The prompt tokens of a chat or completion: a chat through the model's template with the offered
 * functions documented, a completion after the BOS token. Generation evaluates these tokens and
 * reports their number as prompt tokens, and token counting answers the same number.
 */
export function renderPrompt(
  served: Pick<ServedModel, "model" | "chatWrapper"> & Partial<Pick<ServedModel, "systemPrompt">>,
  input: InferInput,
  tools: ToolUse | undefined,
): RenderedPrompt {
  const { model, chatWrapper } = served;
  if (input.kind === "chat") {
    const messages = withSystemPrompt(input.messages, served.systemPrompt ?? "");
    const history = toChatHistory(messages, Boolean(chatWrapper.settings.segments?.thought));
    // Offered functions are documented in the prompt, so they count against the context too.
    const availableFunctions = tools ? documentedFunctions(tools) : undefined;
    const state = chatWrapper.generateContextState({ chatHistory: history, availableFunctions });
    return { history, state, tokens: state.contextText.tokenize(model.tokenizer) };
  }
  const prompt = input.kind === "completion" ? input.prompt : "";
  const text = model.tokens.bos != null ? LlamaText([new SpecialToken("BOS"), prompt]) : LlamaText(prompt);
  return { history: undefined, state: undefined, tokens: text.tokenize(model.tokenizer) };
}
