import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { toModelToken, type ModelToken } from "@lantern/shared/contracts";
import { chatWrapperFor, type ChatWrapperName } from "./chat-wrapper.js";
import { LazyEmbeddingContext } from "./embedding-context.js";
import { batchSizeFor, contextShares, effectiveContextSize, type EvaluationSettings } from "./context-layout.js";
import { GrammarCache } from "./grammar-cache.js";
import { ToolParamsGrammars } from "./tool-params-grammar.js";

interface ServedModelOptions {
  llama: Llama;
  name: string;
  /** The model file, already located (see ModelFiles). */
  modelPath: string;
  slots: number;
  /** How many contexts the slots are spread over (each gets an equal share). */
  contexts: number;
  threads: number;
  /** Tokens per sequence; 0 takes the model's training context. */
  contextSize: number;
  /** Layers offloaded to the GPU, as the memory fit chose; node-llama-cpp decides when absent. */
  gpuLayers?: number;
  /** Absent or `auto`: the template in the model file. */
  chatWrapper?: ChatWrapperName;
  /** Flash attention and batch size; absent: node-llama-cpp's defaults. */
  evaluation?: EvaluationSettings;
  /** Put first in a chat without a system message; absent or "": none. */
  systemPrompt?: string;
}

/** One loaded model: its weights, its contexts with a sequence per slot, and its chat template. */
export interface ServedModel {
  name: string;
  token: ModelToken;
  model: LlamaModel;
  contexts: LlamaContext[];
  sequences: LlamaContextSequence[];
  chatWrapper: ChatWrapper;
  /** Put first in a chat without a system message of its own; "": none. */
  systemPrompt: string;
  /** Grammars for constrained (JSON) output, compiled once per format. */
  grammars: GrammarCache;
  /** Grammars for function-call arguments, compiled once per parameters schema. */
  toolParams: ToolParamsGrammars;
  contextSize: number;
  /** For embed jobs; created on first use. */
  embeddings: LazyEmbeddingContext;
  dispose(): Promise<void>;
}

export async function loadServedModel(opts: ServedModelOptions): Promise<ServedModel> {
  const model = await opts.llama.loadModel({ modelPath: opts.modelPath, ...(opts.gpuLayers !== undefined ? { gpuLayers: opts.gpuLayers } : {}) });
  const contextSize = effectiveContextSize(opts.contextSize, model.trainContextSize);
  const contexts: LlamaContext[] = [];
  const sequences: LlamaContextSequence[] = [];
  try {
    for (const share of contextShares(opts.slots, opts.contexts)) {
      const evaluation = opts.evaluation ?? {};
      const context = await model.createContext({
        sequences: share,
        threads: opts.threads,
        contextSize,
        batchSize: batchSizeFor(evaluation, contextSize, share),
        ...(evaluation.flashAttention !== undefined ? { flashAttention: evaluation.flashAttention } : {}),
      });
      contexts.push(context);
      for (let i = 0; i < share; i++) sequences.push(context.getSequence());
    }
  } catch (err) {
    for (const context of contexts) await context.dispose();
    await model.dispose();
    throw err;
  }
  const embeddings = new LazyEmbeddingContext(model, { contextSize: contexts[0]!.contextSize, threads: opts.threads });
  return {
    name: opts.name,
    token: toModelToken(opts.name),
    model,
    contexts,
    sequences,
    chatWrapper: chatWrapperFor(model, opts.chatWrapper),
    systemPrompt: opts.systemPrompt ?? "",
    grammars: new GrammarCache(opts.llama),
    toolParams: ToolParamsGrammars.for(opts.llama),
    contextSize: contexts[0]!.contextSize,
    embeddings,
    async dispose() {
      await embeddings.dispose();
      for (const context of contexts) await context.dispose();
      await model.dispose();
    },
  };
}
