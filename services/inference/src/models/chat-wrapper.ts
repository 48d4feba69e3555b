import { GeneralChatWrapper, resolveChatWrapper, type ChatWrapper, type LlamaModel } from "node-llama-cpp";

/**
 * The chat template comes from the GGUF file. A model that ships none gets the plain
 * "### User / ### Assistant" template, rather than a guess from its architecture name.
 */
export function chatWrapperFor(model: LlamaModel): ChatWrapper {
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  if (typeof template === "string" && template.trim()) {
    return resolveChatWrapper(model) ?? new GeneralChatWrapper();
  }
  return new GeneralChatWrapper();
}
