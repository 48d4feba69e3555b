import type { OrchestratorError } from "@lantern/shared/contracts";

/** A refused request: becomes the `error` of the reply, and the HTTP status at the edge. */
export class OrchestratorFailure extends Error {
  override name = "OrchestratorFailure";
  constructor(
    readonly status: OrchestratorError["status"],
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  toError(): OrchestratorError {
    return { status: this.status, code: this.code, message: this.message, param: this.param };
  }
}
