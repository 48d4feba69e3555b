import type { MemoryFit, ModelControlErrorCode } from "@lantern/shared/contracts";

/** Why a model was not loaded, with the code a load command answers and the fit numbers when known. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
  constructor(
    readonly code: ModelControlErrorCode,
    message: string,
    readonly fit?: MemoryFit,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
