import type { ApiError } from "../errors/api-error.js";
import type { TokenUsage } from "@lantern/shared/contracts";
import type { AdmissionClaim, Caller, RequestLedger, ServedBy } from "../context/request-ledger.js";

/** A ledger that admits everything and records nothing: open mode without accounting. */
export class UntrackedLedger implements RequestLedger {
  readonly caller: Caller = { keyId: null, policy: null };
  async admit(_claim: AdmissionClaim): Promise<void> {}
  async admitSubmission(): Promise<void> {}
  admitNow(_claim: AdmissionClaim): boolean {
    return true;
  }
  hasRoom(_claim: AdmissionClaim): boolean {
    return false;
  }
  requestedModel(_model: string): void {}
  servedBy(_info: ServedBy): void {}
  streaming(): void {}
  firstOutput(): void {}
  usage(_tokens: TokenUsage): void {}
  failed(_error: ApiError): void {}
  dropped(_error: ApiError): void {}
}
