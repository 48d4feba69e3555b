import { Agent, type Dispatcher } from "undici";
import type { ProviderSetting } from "@lantern/shared/contracts";
import { ClientGoneError } from "../errors/api-error.js";
import { upstreamFailure } from "./upstream-errors.js";

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
  /** The client went away: the upstream call is dropped with it. */
  signal: AbortSignal;
  /** Overrides the provider's own timeout (a route step's). */
  timeoutMs?: number | null;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Calls OpenAI-compatible upstreams over kept-alive connections (one pool per origin). The
 * client's own headers are never forwarded: an upstream sees only the provider's key.
 */
export class UpstreamClient {
  private readonly targets = new WeakMap<ProviderSetting, UpstreamTarget>();

  constructor(
    private readonly agent: Dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 }),
  ) {}

  /**
   * Resolves with the upstream's status and headers once they arrive, the body still to read.
   * The timeout bounds the wait for the headers and any silence within the body. Throws
   * ApiError 502/504 when the call fails on the wire, ClientGoneError when the client left.
   */
  async send({ provider, endpoint, body, signal, timeoutMs }: UpstreamCall): Promise<UpstreamResponse> {
    const target = this.targetOf(provider);
    const timeout = timeoutMs ?? provider.timeoutMs;
    try {
      return await this.agent.request({
        origin: target.origin,
        path: target.basePath + endpoint,
        method: "POST",
        headers: target.headers,
        body,
        signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      if (signal.aborted) throw new ClientGoneError();
      throw upstreamFailure(provider.name, timeout, err);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private targetOf(provider: ProviderSetting): UpstreamTarget {
    let target = this.targets.get(provider);
    if (!target) {
      const url = new URL(provider.baseUrl);
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
      if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
      target = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ""), headers };
      this.targets.set(provider, target);
    }
    return target;
  }
}
