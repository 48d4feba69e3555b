import { Agent, type Dispatcher } from "undici";
import type { ProviderSetting } from "@lantern/shared/contracts";
import type { Cancellation } from "../context/cancel-signal.js";
import { HOPS_HEADER } from "./gateway-hops.js";

/** The OpenAI endpoints a request can be sent to, relative to a provider's base URL. */
export type UpstreamEndpoint = "/chat/completions" | "/completions";

/** Where and how to reach one provider, worked out once per setting rather than per request. */
interface UpstreamTarget {
  origin: string;
  basePath: string;
  headers: Record<string, string>;
}

export interface UpstreamCall {
  provider: ProviderSetting;
  endpoint: UpstreamEndpoint;
  body: string;
  /** Aborting it drops the upstream call (the client went away, or a deadline passed). */
  signal: Cancellation;
  /** Overrides the provider's own timeout (a route step's). */
  timeoutMs?: number | null;
  /** Gateways the request passed through before this one: the upstream is told one more. */
  hops: number;
}

export const timeoutOf = (call: Pick<UpstreamCall, "provider" | "timeoutMs">): number => call.timeoutMs ?? call.provider.timeoutMs;

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Calls OpenAI-compatible upstreams over kept-alive connections (one pool per origin). The
 * client's own headers are never forwarded: an upstream sees only the provider's key.
 */
export class UpstreamClient {
  private readonly targets = new WeakMap<ProviderSetting, UpstreamTarget>();
  /** The most an answer read whole (or one event of a stream) may hold: a runaway upstream must not exhaust the gateway's memory. */
  readonly answerLimitBytes: number;
  private readonly agent: Dispatcher;

  constructor(opts: { answerLimitBytes: number; agent?: Dispatcher }) {
    this.answerLimitBytes = opts.answerLimitBytes;
    this.agent = opts.agent ?? new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  }

  /**
   * Resolves with the upstream's status and headers once they arrive, the body still to read;
   * rejects with the wire's own error. The timeout also bounds any silence within the body
   * (to the second: the caller keeps a precise deadline of its own where one matters).
   */
  send(call: UpstreamCall): Promise<UpstreamResponse> {
    const target = this.targetOf(call.provider);
    const timeout = timeoutOf(call);
    return this.agent.request({
      origin: target.origin,
      path: target.basePath + call.endpoint,
      method: "POST",
      // One more than came in: a provider that leads back to a gateway is found out by the count.
      headers: { ...target.headers, [HOPS_HEADER]: String(call.hops + 1) },
      body: call.body,
      signal: call.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private targetOf(provider: ProviderSetting): UpstreamTarget {
    let target = this.targets.get(provider);
    if (!target) {
      // Callers serve a provider without a base URL on the fleet; reaching here is a bug.
      if (provider.baseUrl === null) throw new Error(`provider '${provider.name}' is the worker fleet, not an upstream`);
      const url = new URL(provider.baseUrl);
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
      if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
      target = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ""), headers };
      this.targets.set(provider, target);
    }
    return target;
  }
}
