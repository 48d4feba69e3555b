import type { MiddlewareHandler } from "hono";
import { jetstream, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ModelPrice, NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureEdgeBuckets, ensureEventsStream, UsageOutbox } from "@lantern/shared/nats";
import type { GatewayEnv } from "../context/gateway-env.js";
import { requestHeader } from "../context/request-header.js";
import { authenticate, ensurePathAllowed, learnPresentedKey, presentedKey, type Authenticated, type AuthMode } from "./caller-auth.js";
import { KeyStore, LimitKeeper, PriceBook } from "@lantern/shared/limits";
import { TrackedLedger, type RequestInfo } from "./tracked-ledger.js";
import { setResponseHeader } from "../context/response-headers.js";

interface EdgeOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  names: NatsNames;
  gatewayId: string;
  auth: AuthMode;
  /** How long a concurrency hold lives when no gateway releases it (its gateway died). */
  holdMs: number;
  outboxLimit: number;
  logger: Logger;
}

/** Keys, prices, shared limit counters and the usage outbox: everything a request's ledger uses. */
export class EdgeServices {
  readonly keys: KeyStore;
  readonly limits: LimitKeeper;
  readonly outbox: UsageOutbox;
  readonly gatewayId: string;
  readonly holdMs: number;
  readonly logger: Logger;
  private readonly auth: AuthMode;
  private readonly prices: PriceBook;

  private constructor(opts: EdgeOptions, buckets: Awaited<ReturnType<typeof ensureEdgeBuckets>>) {
    this.gatewayId = opts.gatewayId;
    this.holdMs = opts.holdMs;
    this.logger = opts.logger.child({ component: "edge" });
    this.keys = new KeyStore(buckets.keys, this.logger);
    this.prices = new PriceBook(buckets.prices, this.logger);
    this.limits = new LimitKeeper({ limits: buckets.limits, logger: this.logger });
    this.outbox = new UsageOutbox({ js: jetstream(opts.nc), subject: opts.names.subjects.usageEvent, limit: opts.outboxLimit, logger: this.logger });
    this.auth = opts.auth;
  }

  /** Ready once every key and price already in KV is loaded: the gateway listens only after. */
  static async start(opts: EdgeOptions): Promise<EdgeServices> {
    await ensureEventsStream(opts.jsm, opts.names);
    const edge = new EdgeServices(opts, await ensureEdgeBuckets(opts.nc, opts.names));
    await Promise.all([edge.keys.start(), edge.prices.start()]);
    return edge;
  }

  priceOf(model: string): ModelPrice | undefined {
    return this.prices.priceOf(model);
  }

  /**
   * Gives each request its ledger, authenticates it (401/403 are thrown to the error handler), and
   * finishes the ledger when the node response closes: after the last byte, or when the client left.
   */
  middleware(): MiddlewareHandler<GatewayEnv> {
    return async (c, next) => {
      const ledger = new TrackedLedger(this, { requestId: c.get("requestId"), method: c.req.method, path: c.req.path, at: Date.now() });
      c.set("ledger", ledger);
      ledger.onLimitHeaders = (headers) => {
        for (const [name, value] of headers) setResponseHeader(c, name, value);
      };
      const outgoing = c.env?.outgoing;
      outgoing?.once("close", () => ledger.finish(outgoing.writableFinished ? outgoing.statusCode : 499));
      const authorization = presentedKey(requestHeader(c, "authorization"), requestHeader(c, "x-api-key"));
      await this.learnKey(authorization);
      const who = authenticate(this.keys, this.auth, authorization);
      ledger.identify(who);
      ensurePathAllowed(who, c.req.path);
      await next();
      // Without a node response (requests made in-process) the handler's return is the end.
      if (!outgoing) ledger.finish(c.res.status);
    };
  }

  /** Reads the key of this Authorization value from KV when not known yet (see learnPresentedKey); call before `authorize`. */
  learnKey(authorization: string | undefined): Promise<void> {
    return learnPresentedKey(this.keys, this.auth, authorization);
  }

  /** Who calls with this Authorization value, and whether they may use `path`: throws the 401/403 they get otherwise. */
  authorize(authorization: string | undefined, path: string): Authenticated {
    const who = authenticate(this.keys, this.auth, authorization);
    ensurePathAllowed(who, path);
    return who;
  }

  /** The ledger of a request that is not one HTTP exchange (a chat on a WebSocket); its owner calls `finish`. */
  ledgerFor(info: RequestInfo, who: Authenticated): TrackedLedger {
    const ledger = new TrackedLedger(this, info);
    ledger.identify(who);
    return ledger;
  }

  /** Publishes what is still queued (up to `timeoutMs`), then stops watching. */
  async stop(timeoutMs: number): Promise<void> {
    await this.outbox.close(timeoutMs);
    this.limits.stop();
    this.keys.stop();
    this.prices.stop();
  }
}
