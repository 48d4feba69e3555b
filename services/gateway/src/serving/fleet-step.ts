import { LOCAL_PROVIDER } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import { asAbortSignal } from "../context/cancel-signal.js";
import { ClientGoneError } from "../errors/api-error.js";
import { submitChoices } from "../jobs/choice-fan-out.js";
import { upstreamTimedOut } from "../providers/upstream-errors.js";
import { ensureServed } from "./admission.js";
import type { Delivery, Generation, Renderer } from "./generation.js";

interface FleetTarget {
  /** The model the workers run it under: the request's, or a route step's. */
  model: string;
  /** How long to wait for anything to reach the client (a route step's timeout); null: no bound. */
  timeoutMs: number | null;
}

/**
 * The worker fleet serves the generation: one job per choice, rendered once a worker accepted
 * one. A single-choice stream the protocol can resume is kept (its replies on REPLIES, its record
 * in the stream keeper). A timeout that passes before anything reached the client withdraws the
 * jobs and is a 504, which a route may fall over.
 */
export async function fleetStep<R>(deps: GatewayDeps, gen: Generation, renderer: Renderer<R>, target: FleetTarget, delivery: Delivery): Promise<R> {
  const { model, timeoutMs } = target;
  ensureServed(deps, model);
  const deadline = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === null
      ? undefined
      : setTimeout(() => {
          if (renderer.started) return;
          timedOut = true;
          deadline.abort();
        }, timeoutMs);
  try {
    const resume = deps.streams.enabled && gen.n === 1 ? renderer.resumable(model) : undefined;
    const calls = await submitChoices(deps.inference, {
      requestId: gen.requestId,
      model,
      priority: gen.priority,
      job: gen.job,
      n: gen.n,
      promptParam: gen.promptParam,
      signal: AbortSignal.any([asAbortSignal(gen.cancel), deadline.signal]),
      keep: resume !== undefined,
    });
    gen.ledger.servedBy({ provider: LOCAL_PROVIDER, workerIds: calls.workerIds });
    if (resume) {
      deps.streams.record({ v: 1, requestId: gen.requestId, gatewayId: deps.edge.gatewayId, keyId: gen.ledger.caller.keyId, at: Date.now(), ...resume });
    }
    return await renderer.fleet(calls, delivery, resume !== undefined);
  } catch (err) {
    if (err instanceof ClientGoneError && timedOut && !gen.cancel.aborted) throw upstreamTimedOut(LOCAL_PROVIDER, timeoutMs!);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
