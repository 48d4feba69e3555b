import { expect } from "vitest";
import { unrestrictedKeyPolicy, type KeyPolicy, type ModelPrice, type UsageEvent } from "@lantern/shared/contracts";
import { admit, emptyCounters, fitsWithin, LimitsUnavailableError, settle, windowId } from "@lantern/shared/limits";
import type { AdmitRequest, KeyCounters, LimitKeeper, LimitStanding, OpOutcome, Reservation, Usage } from "@lantern/shared/limits";
import { createLogger } from "@lantern/shared/logging";
import type { UsageOutbox } from "@lantern/shared/nats";
import { ApiError } from "../errors/api-error.js";
import type { AdmissionClaim } from "../context/request-ledger.js";
import { TrackedLedger, type LedgerServices } from "./tracked-ledger.js";

/* A TrackedLedger over in-memory counters decided by the real rules: what the ledger tests share. */

// Noon, far from any window's or budget period's edge, so nothing rolls over mid-test.
export const NOW = Date.UTC(2030, 0, 15, 12);
export const KEY = "key-hash";

/** One gateway's view of the shared counters, decided by the same pure rules the real keeper commits. */
export class InMemoryLimits {
  counters: KeyCounters = emptyCounters();
  readonly settlements: Array<{ reservation: Reservation; actual: Usage }> = [];
  unavailable = false;

  admitFromLease(): Reservation | null {
    return null;
  }
  async admit(_key: string, request: AdmitRequest): Promise<OpOutcome> {
    if (this.unavailable) throw new LimitsUnavailableError("no NATS");
    const { counters, outcome } = admit(this.counters, request, NOW);
    this.counters = counters;
    return outcome;
  }
  settle(_key: string, reservation: Reservation, actual: Usage): Promise<void> {
    this.settlements.push({ reservation, actual });
    this.counters = settle(this.counters, reservation, actual, NOW);
    return Promise.resolve();
  }
  hasRoom(_key: string, request: AdmitRequest): boolean {
    return fitsWithin(this.counters, request, NOW, 0.5);
  }
  standing(_key: string, policy: KeyPolicy): LimitStanding[] {
    return policy.rateLimits.map((limit) => ({
      kind: limit.kind,
      limit: limit.limit,
      remaining: limit.limit - (this.counters.windows[windowId(limit)]?.used ?? 0),
      resetMs: 60_000,
    }));
  }
  used(kind: "requests" | "tokens"): number {
    return this.counters.windows[windowId({ kind, windowSeconds: 86_400 })]?.used ?? 0;
  }
}

const price = (model: string, inputPerMTokUsd: number, outputPerMTokUsd: number): ModelPrice => ({ v: 1, model, inputPerMTokUsd, outputPerMTokUsd });
const PRICES = [price("priced", 1_000, 2_000), price("cheap", 10, 10), price("dear", 100, 500)];

export function edge(policy: KeyPolicy | null) {
  const limits = new InMemoryLimits();
  const events: Array<{ event: UsageEvent; alone: boolean }> = [];
  const services: LedgerServices = {
    limits: limits as unknown as LimitKeeper,
    outbox: { add: (event: UsageEvent, opts: { alone?: boolean } = {}) => events.push({ event, alone: opts.alone ?? false }) } as unknown as UsageOutbox,
    gatewayId: "gw-1",
    holdMs: 60_000,
    logger: createLogger({ service: "test", level: "silent" }),
    priceOf: (model) => PRICES.find((p) => p.model === model),
  };
  let requests = 0;
  const ledger = () => {
    const id = `req-${++requests}`;
    const l = new TrackedLedger(services, { requestId: id, method: "POST", path: "/v1/chat/completions", at: NOW });
    l.identify({ keyHash: policy ? KEY : null, policy });
    return l;
  };
  return { limits, events, ledger };
}

export const policy = (over: Partial<KeyPolicy> = {}) => unrestrictedKeyPolicy("key-1", over);
export const claim = (over: Partial<AdmissionClaim> = {}): AdmissionClaim => ({ model: "priced", promptTokensEstimate: 100, completionTokensLimit: 400, ...over });
export const daily = (kind: "requests" | "tokens", limit: number) => ({ kind, limit, windowSeconds: 86_400 });

export async function refusalOf(admission: Promise<void>): Promise<ApiError> {
  const err = await admission.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

