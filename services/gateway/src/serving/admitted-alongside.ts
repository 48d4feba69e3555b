import type { AdmissionClaim, RequestLedger } from "../context/request-ledger.js";
import { CancelSignal, onCancel, type Cancellation } from "../context/cancel-signal.js";

/**
 * Admits the request and runs `work`: at once when the ledger admits without a round trip; side
 * by side when it has room for the claim (the answer of an upstream then does not wait for the
 * admission's round trip to NATS); one after the other otherwise. Either way nothing `work` made is used unless the request was admitted: on a
 * refusal work's signal is aborted, what it made anyway goes to `discard`, and the refusal is thrown.
 */
export async function admittedAlongside<T>(
  ledger: RequestLedger,
  claim: AdmissionClaim,
  clientGone: Cancellation,
  work: (signal: Cancellation) => Promise<T>,
  discard: (made: T) => void,
): Promise<T> {
  if (ledger.admitNow(claim)) return work(clientGone);
  if (!ledger.hasRoom(claim)) {
    await ledger.admit(claim);
    return work(clientGone);
  }
  const stop = new CancelSignal();
  if (clientGone.aborted) stop.abort();
  else onCancel(clientGone, () => stop.abort());
  const started = work(stop);
  // Its failure is the caller's once admitted; until then it must not count as unhandled.
  started.catch(() => {});
  try {
    await ledger.admit(claim);
  } catch (err) {
    stop.abort();
    started.then(discard, () => {});
    throw err;
  }
  return started;
}
