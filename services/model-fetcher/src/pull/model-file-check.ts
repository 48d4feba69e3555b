import { stat } from "node:fs/promises";
import { GgufSummaryCache, type GgufSummary } from "@lantern/shared/gguf";
import { PullError } from "../pull-error.js";

/** Bytes per block and elements per block of the tensor types common in GGUF files. */
const BLOCK_LAYOUT: Record<number, [bytes: number, elements: number]> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  9: [36, 32], // Q8_1
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  15: [292, 256], // Q8_K
  20: [18, 32], // IQ4_NL
  23: [136, 256], // IQ4_XS
  24: [1, 1], // I8
  25: [2, 1], // I16
  26: [4, 1], // I32
  27: [8, 1], // I64
  28: [8, 1], // F64
  30: [2, 1], // BF16
};

type NodeLlamaCpp = typeof import("node-llama-cpp");
let lib: Promise<NodeLlamaCpp> | undefined;
const loadLib = () => (lib ??= import("node-llama-cpp"));

/**
 * Reads a downloaded file's GGUF header and checks that every tensor it lists lies inside the
 * file, so a file cut short is caught even when no digest could vouch for it. Throws
 * `invalid_model_file` saying what is wrong.
 */
export async function checkModelFile(path: string, label: string): Promise<GgufSummary> {
  const info = await stat(path);
  const { readGgufFileInfo } = await loadLib();
  let tensors;
  try {
    const gguf = await readGgufFileInfo(path, { sourceType: "filesystem", logWarnings: false, ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"] });
    tensors = gguf.fullTensorInfo ?? gguf.tensorInfo ?? [];
  } catch (err) {
    // The reader quotes the bytes it found, which in a non-GGUF file are rarely printable.
    const reason = (err instanceof Error ? err.message : String(err)).replace(/[^\x20-\x7e]/g, "?");
    throw new PullError("invalid_model_file", `${label} is not a readable GGUF model file (${reason}); it was deleted. Check that the file name points at a .gguf model`, undefined, { cause: err });
  }
  let end = 0;
  for (const tensor of tensors) {
    const layout = BLOCK_LAYOUT[tensor.ggmlType];
    const elements = tensor.dimensions.reduce<number>((product, d) => product * Number(d), 1);
    const bytes = layout ? Math.ceil(elements / layout[1]) * layout[0] : 1;
    end = Math.max(end, Number(tensor.fileOffset) + bytes);
  }
  if (end > info.size) {
    throw new PullError("invalid_model_file", `${label} is cut short: its tensors need ${end} bytes but the file has ${info.size}; it was deleted. Pull it again`);
  }
  // A fresh cache: each path is read once here, and a long-lived cache would only grow.
  return new GgufSummaryCache().read(path, info);
}
