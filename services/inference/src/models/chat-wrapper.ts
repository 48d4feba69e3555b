import { GeneralChatWrapper, resolveChatWrapper, specializedChatWrapperTypeNames, type ChatWrapper, type LlamaModel } from "node-llama-cpp";

/**
 * Chat templates a worker can be told to use instead of the file's: node-llama-cpp's built-in
 * ones, plus `qwen3.5` (its Qwen template in the 3.5 variant, which opens the reply in a thought
 * segment). `auto` reads the template from the file.
 */
export const CHAT_WRAPPER_NAMES = ["auto", ...specializedChatWrapperTypeNames, "qwen3.5"] as const;
export type ChatWrapperName = (typeof CHAT_WRAPPER_NAMES)[number];

export function isChatWrapperName(name: string): name is ChatWrapperName {
  return (CHAT_WRAPPER_NAMES as readonly string[]).includes(name);
}

/**
 * The chat template comes from the GGUF file. A model that ships none gets the plain
 * "### User / ### Assistant" template, rather than a guess from its architecture name. A named
 * template overrides the file's (for files whose template is missing or wrong).
 */
export function chatWrapperFor(model: LlamaModel, name: ChatWrapperName = "auto"): ChatWrapper {
  if (name === "qwen3.5") return resolveChatWrapper(model, { type: "qwen", customWrapperSettings: { qwen: { variation: "3.5" } } });
  if (name !== "auto") return resolveChatWrapper(model, { type: name });
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  if (typeof template === "string" && template.trim()) {
    return resolveChatWrapper(model) ?? new GeneralChatWrapper();
  }
  return new GeneralChatWrapper();
}
