import { join, resolve } from "node:path";
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { toModelToken, type ModelToken } from "@lantern/shared/contracts";
import { chatWrapperFor } from "./chat-wrapper.js";

export interface ServedModelOptions {
  llama: Llama;
  name: string;
  modelsDir: string;
  file: string;
  slots: number;
  threads: number;
  /** Tokens per sequence; 0 takes the model's training context. */
  contextSize: number;
}

/** One loaded model: its weights, one context with a sequence per slot, and its chat template. */
export interface ServedModel {
  name: string;
  token: ModelToken;
  model: LlamaModel;
  context: LlamaContext;
  sequences: LlamaContextSequence[];
  chatWrapper: ChatWrapper;
  contextSize: number;
  dispose(): Promise<void>;
}

export async function loadServedModel(opts: ServedModelOptions): Promise<ServedModel> {
  const modelPath = resolve(join(opts.modelsDir, opts.file));
  const model = await opts.llama.loadModel({ modelPath });
  const context = await model.createContext({
    sequences: opts.slots,
    threads: opts.threads,
    contextSize: opts.contextSize > 0 ? opts.contextSize : Math.min(model.trainContextSize, 8192),
  });
  const sequences = Array.from({ length: opts.slots }, () => context.getSequence());
  return {
    name: opts.name,
    token: toModelToken(opts.name),
    model,
    context,
    sequences,
    chatWrapper: chatWrapperFor(model),
    contextSize: context.contextSize,
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
