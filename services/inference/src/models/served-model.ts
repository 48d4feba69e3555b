import { join, resolve } from "node:path";
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { toModelToken, type ModelToken } from "@lantern/shared/contracts";
import { chatWrapperFor, type ChatWrapperName } from "./chat-wrapper.js";
import { GrammarCache } from "./grammar-cache.js";

export interface ServedModelOptions {
  llama: Llama;
  name: string;
  modelsDir: string;
  file: string;
  slots: number;
  /** How many contexts the slots are spread over (each gets an equal share). */
  contexts: number;
  threads: number;
  /** Tokens per sequence; 0 takes the model's training context. */
  contextSize: number;
  /** Absent or `auto`: the template in the model file. */
  chatWrapper?: ChatWrapperName;
}

/** One loaded model: its weights, its contexts with a sequence per slot, and its chat template. */
export interface ServedModel {
  name: string;
  token: ModelToken;
  model: LlamaModel;
  contexts: LlamaContext[];
  sequences: LlamaContextSequence[];
  chatWrapper: ChatWrapper;
  /** Grammars for constrained (JSON) output, compiled once per format. */
  grammars: GrammarCache;
  contextSize: number;
  dispose(): Promise<void>;
}

/** `total` split into `parts` near-equal whole shares, largest first. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

export async function loadServedModel(opts: ServedModelOptions): Promise<ServedModel> {
  const modelPath = resolve(join(opts.modelsDir, opts.file));
  const model = await opts.llama.loadModel({ modelPath });
  const contextSize = opts.contextSize > 0 ? opts.contextSize : Math.min(model.trainContextSize, 8192);
  const contexts: LlamaContext[] = [];
  const sequences: LlamaContextSequence[] = [];
  try {
    for (const share of shares(opts.slots, Math.min(opts.contexts, opts.slots))) {
      const context = await model.createContext({ sequences: share, threads: opts.threads, contextSize });
      contexts.push(context);
      for (let i = 0; i < share; i++) sequences.push(context.getSequence());
    }
  } catch (err) {
    for (const context of contexts) await context.dispose();
    await model.dispose();
    throw err;
  }
  return {
    name: opts.name,
    token: toModelToken(opts.name),
    model,
    contexts,
    sequences,
    chatWrapper: chatWrapperFor(model, opts.chatWrapper),
    grammars: new GrammarCache(opts.llama),
    contextSize: contexts[0]!.contextSize,
    async dispose() {
      for (const context of contexts) await context.dispose();
      await model.dispose();
    },
  };
}
