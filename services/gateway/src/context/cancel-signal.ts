import { EventEmitter } from "node:events";
import type { Context } from "hono";
import type { GatewayEnv } from "./gateway-env.js";

/**
 * A one-shot cancellation on a plain EventEmitter. Node's AbortSignal spends microseconds on each
 * listener it takes (EventTarget), a noticeable share of a small proxied request that listens
 * several times; undici takes this as a request's `signal` as it is.
 */
export class CancelSignal extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }
}

/** Either kind of signal a call can be cancelled by. */
export type Cancellation = AbortSignal | CancelSignal;

/** Runs `listener` once when `signal` aborts; returns what stops listening. */
export function onCancel(signal: Cancellation, listener: () => void): () => void {
  if (signal instanceof CancelSignal) {
    signal.once("abort", listener);
    return () => signal.off("abort", listener);
  }
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/** Aborts when the client closes the connection before the response has been written; never, for in-process requests. */
export function clientGone(c: Context<GatewayEnv>): CancelSignal {
  const gone = new CancelSignal();
  const outgoing = c.env?.outgoing;
  outgoing?.once("close", () => {
    if (!outgoing.writableFinished) gone.abort();
  });
  return gone;
}

/** The same cancellation as a web AbortSignal, for code that composes those (AbortSignal.any). */
export function asAbortSignal(signal: Cancellation): AbortSignal {
  if (!(signal instanceof CancelSignal)) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.once("abort", () => controller.abort());
  return controller.signal;
}

/** The client's going away as a web AbortSignal. */
export function clientGoneSignal(c: Context<GatewayEnv>): AbortSignal {
  return asAbortSignal(clientGone(c));
}
