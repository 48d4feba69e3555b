import type { AdmissionClaim, RequestLedger } from "../edge/request-ledger.js";

/**
 * The same ledger, but admitting only on the first call. A request that is admitted before the
 * cache or a route decides where it goes (under the model the client named) must not be admitted
 * again by the path that then serves it (a local step admits in `serveGeneration`), nor renamed
 * after the step's model: its event names the model the client asked for.
 */
export function admitOnce(ledger: RequestLedger): RequestLedger {
  let admitted: Promise<void> | undefined;
  const admit = (claim: AdmissionClaim) => (admitted ??= ledger.admit(claim));
  const requestedModel = (model: string) => {
    if (!admitted) ledger.requestedModel(model);
  };
  return new Proxy(ledger, {
    get(target, property) {
      if (property === "admit") return admit;
      if (property === "requestedModel") return requestedModel;
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the real ledger, which may keep private state.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
