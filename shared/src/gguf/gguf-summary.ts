import type { Stats } from "node:fs";
import type { GgufFileInfo } from "node-llama-cpp";

/** What the registry shows of a GGUF file's header. */
export interface GgufSummary {
  architecture: string | null;
  /** The file type (`Q4_K_M`, `F16`), or the dominant tensor type when the header names none. */
  quantization: string | null;
  /** Tokens the model was trained for. */
  contextLength: number | null;
  /** Sum of the elements of every tensor. */
  parameterCount: number | null;
  hasChatTemplate: boolean;
}

// Large arrays nothing here reads: skipping them keeps a metadata read small for big vocabularies.
const IGNORED_KEYS = ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"];

type NodeLlamaCpp = typeof import("node-llama-cpp");
let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
// Loaded on first use: readers of GGUF headers (admin, fetcher) need only this part, and only when asked.
const loadNodeLlamaCpp = () => (nodeLlamaCpp ??= import("node-llama-cpp"));

function summarise(info: GgufFileInfo, lib: NodeLlamaCpp): GgufSummary {
  const general = info.metadata.general;
  const fileType = general?.file_type;
  let quantization = fileType === undefined ? null : (lib.GgufFileType[fileType] ?? null)?.replace(/^(MOSTLY|ALL)_/, "") ?? null;
  let parameterCount: number | null = null;
  const tensors = info.fullTensorInfo ?? info.tensorInfo;
  if (tensors && tensors.length > 0) {
    const elementsByType = new Map<number, number>();
    parameterCount = 0;
    for (const tensor of tensors) {
      const elements = tensor.dimensions.reduce<number>((product, d) => product * Number(d), 1);
      parameterCount += elements;
      elementsByType.set(tensor.ggmlType, (elementsByType.get(tensor.ggmlType) ?? 0) + elements);
    }
    if (quantization === null) {
      const [dominant] = [...elementsByType].sort((a, b) => b[1] - a[1])[0] ?? [];
      quantization = dominant === undefined ? null : (lib.GgmlType[dominant] ?? null);
    }
  }
  const contextLength = info.architectureMetadata?.context_length;
  const chatTemplate = info.metadata.tokenizer?.chat_template;
  return {
    architecture: general?.architecture ?? null,
    quantization,
    contextLength: typeof contextLength === "number" ? contextLength : null,
    parameterCount,
    hasChatTemplate: typeof chatTemplate === "string" && chatTemplate.length > 0,
  };
}

/**
 * Reads GGUF headers, remembering each by path, modification time and size, so listing the
 * registry again reads only files that changed. A file that cannot be read is remembered as its error.
 */
export class GgufSummaryCache {
  private readonly entries = new Map<string, { stamp: string; summary: Promise<GgufSummary> }>();

  async read(path: string, stat: Pick<Stats, "mtimeMs" | "size">): Promise<GgufSummary> {
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const cached = this.entries.get(path);
    if (cached?.stamp === stamp) return cached.summary;
    const summary = (async () => {
      const lib = await loadNodeLlamaCpp();
      const info = await lib.readGgufFileInfo(path, { sourceType: "filesystem", ignoreKeys: IGNORED_KEYS, logWarnings: false });
      return summarise(info, lib);
    })();
    this.entries.set(path, { stamp, summary });
    return summary;
  }

  /** Forgets files no longer on disk. */
  retain(paths: Set<string>): void {
    for (const path of this.entries.keys()) if (!paths.has(path)) this.entries.delete(path);
  }
}
