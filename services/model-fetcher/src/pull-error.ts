import type { ModelPullError, ModelPullErrorCode } from "@lantern/shared/contracts";

/** A pull that cannot succeed, with the code and message its `model.pull.failed` event carries. */
export class PullError extends Error {
  override name = "PullError";
  constructor(
    readonly code: ModelPullErrorCode,
    message: string,
    readonly nearMatches?: string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  toEventError(): ModelPullError {
    return { code: this.code, message: this.message, ...(this.nearMatches ? { nearMatches: this.nearMatches } : {}) };
  }
}

/** The pull was stopped (the fetcher is shutting down): its command goes back to the queue. */
export class PullAborted extends Error {
  override name = "PullAborted";
}
