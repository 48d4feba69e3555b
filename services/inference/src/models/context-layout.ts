/** The largest context a model gets when none is configured, whatever it was trained on. */
const MAX_DEFAULT_CONTEXT = 8192;

/** Tokens per sequence: the configured size, or the model's training context up to 8192. */
export function effectiveContextSize(requested: number, trainContextSize: number | undefined): number {
  if (requested > 0) return requested;
  return Math.min(trainContextSize ?? MAX_DEFAULT_CONTEXT, MAX_DEFAULT_CONTEXT);
}

/** Slots per context: `slots` split over `contexts` (never more contexts than slots), largest first. */
export function contextShares(slots: number, contexts: number): number[] {
  const parts = Math.max(1, Math.min(contexts, slots));
  return Array.from({ length: parts }, (_, i) => Math.floor(slots / parts) + (i < slots % parts ? 1 : 0));
}

/** node-llama-cpp's batch size for a context when none is given (kept equal so estimates match). */
export function defaultBatchSize(contextSize: number, sequences: number): number {
  return Math.min(contextSize * sequences, 512);
}
