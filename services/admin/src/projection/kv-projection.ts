import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import { KeyPolicy, ModelPrice, ModelRoute, ProviderSetting, toModelToken, type NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { ensureEdgeBuckets, storedEntries, type EdgeBuckets } from "@lantern/shared/nats";
import { keyPolicyOf } from "../keys/key-policy-of.js";
import type { KeyStore } from "../keys/key-store.js";
import { modelPriceOf, type PriceStore } from "../prices/price-store.js";
import { modelRouteOf, type RouteStore } from "../model-routes/route-store.js";
import { providerSettingOf, type ProviderStore } from "../providers/provider-store.js";

interface ProjectionStores {
  keys: KeyStore;
  providers: ProviderStore;
  routes: RouteStore;
  prices: PriceStore;
}

interface BucketReport {
  written: number;
  deleted: number;
  unchanged: number;
}
export type ResyncReport = Record<"keys" | "providers" | "routes" | "prices", BucketReport>;
type ProjectedBuckets = Pick<EdgeBuckets, "keys" | "providers" | "routes" | "prices">;

/** One entry as it should be in KV, validated with the schema gateways parse it with. */
interface Entry {
  kvKey: string;
  data: string;
}
const entryOf = <S extends z.ZodType>(schema: S, kvKey: string, value: z.input<S>): Entry => ({ kvKey, data: JSON.stringify(schema.parse(value)) });

const decoder = new TextDecoder();

/**
 * Postgres is the source of truth; the KV buckets the gateways read are a projection of it.
 * Each change is projected right after its commit by re-reading the row (so the latest committed
 * state wins, whatever order requests finish in), and a full resync rebuilds every bucket and
 * deletes entries that have no row. All writes go through one queue, so a resync never overwrites
 * a newer single write with the older state it read.
 */
export class KvProjection {
  private queue: Promise<unknown> = Promise.resolve();
  private healTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private buckets: ProjectedBuckets | undefined;

  constructor(
    private readonly stores: ProjectionStores,
    /** Where the buckets are; each full resync creates them if missing (a wiped NATS) and opens them. */
    private readonly nats: { nc: NatsConnection; names: NatsNames },
    private readonly logger: Logger,
    /** After a failed write, how soon a full resync retries it. */
    private readonly healDelayMs = 5_000,
  ) {}

  keyChanged(id: string): Promise<void> {
    return this.project(`key ${id}`, async (buckets) => {
      const row = await this.stores.keys.find(id);
      // Keys are revoked, never deleted: a missing row means nothing to project.
      if (row) await put(buckets.keys, entryOf(KeyPolicy, row.keyHash, keyPolicyOf(row)));
    });
  }

  providerChanged(name: string): Promise<void> {
    return this.project(`provider ${name}`, async (buckets) => {
      const row = await this.stores.providers.find(name);
      if (row) await put(buckets.providers, entryOf(ProviderSetting, row.name, providerSettingOf(row)));
      else await remove(buckets.providers, name);
    });
  }

  routeChanged(model: string): Promise<void> {
    return this.project(`route ${model}`, async (buckets) => {
      const row = await this.stores.routes.find(model);
      if (row) await put(buckets.routes, entryOf(ModelRoute, toModelToken(row.model), modelRouteOf(row)));
      else await remove(buckets.routes, toModelToken(model));
    });
  }

  priceChanged(model: string): Promise<void> {
    return this.project(`price ${model}`, async (buckets) => {
      const row = await this.stores.prices.find(model);
      if (row) await put(buckets.prices, entryOf(ModelPrice, toModelToken(row.model), modelPriceOf(row)));
      else await remove(buckets.prices, toModelToken(model));
    });
  }

  /** Makes every bucket match Postgres exactly: writes what differs, deletes what has no row. */
  resync(): Promise<ResyncReport> {
    return this.enqueue(async () => {
      const { nc, names } = this.nats;
      const buckets = await ensureEdgeBuckets(nc, names);
      this.buckets = buckets;
      const sync = (bucket: keyof ProjectedBuckets, entries: Entry[]) => syncBucket(nc, names.buckets[bucket], buckets[bucket], entries);
      const [keys, providers, routes, prices] = await Promise.all([
        this.stores.keys.all(),
        this.stores.providers.list(),
        this.stores.routes.list(),
        this.stores.prices.list(),
      ]);
      const valid = <T>(what: string, rows: T[], toEntry: (row: T) => Entry): Entry[] =>
        rows.flatMap((row) => {
          try {
            return [toEntry(row)];
          } catch (err) {
            // A row edited by hand into something the gateways cannot parse is left out rather than served.
            this.logger.error({ err, what }, "row does not satisfy its contract; not projected");
            return [];
          }
        });
      const report: ResyncReport = {
        keys: await sync("keys", valid("key", keys, (r) => entryOf(KeyPolicy, r.keyHash, keyPolicyOf(r)))),
        providers: await sync("providers", valid("provider", providers, (r) => entryOf(ProviderSetting, r.name, providerSettingOf(r)))),
        routes: await sync("routes", valid("route", routes, (r) => entryOf(ModelRoute, toModelToken(r.model), modelRouteOf(r)))),
        prices: await sync("prices", valid("price", prices, (r) => entryOf(ModelPrice, toModelToken(r.model), modelPriceOf(r)))),
      };
      return report;
    });
  }

  /** A resync now (failing start-up if it cannot be done), then one every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    const report = await this.resync();
    this.logger.info({ report }, "kv projection in sync");
    this.intervalTimer = setInterval(() => void this.resyncLogged("periodic"), intervalMs);
    this.intervalTimer.unref();
  }

  /** Waits for queued writes to finish; no more resyncs afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.intervalTimer);
    clearTimeout(this.healTimer);
    await this.queue.catch(() => {});
  }

  private async resyncLogged(why: string): Promise<void> {
    if (this.stopped) return;
    try {
      const report = await this.resync();
      const changed = Object.values(report).some((b) => b.written + b.deleted > 0);
      // A periodic resync that had to change something means a write was missed: worth knowing.
      (changed ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger))({ why, report }, "kv projection resynced");
    } catch (err) {
      this.logger.error({ err, why }, "kv projection resync failed; retrying");
      this.scheduleHeal();
    }
  }

  /** Never throws: the database already committed, so a failed KV write is healed by a resync soon after. */
  private async project(what: string, write: (buckets: ProjectedBuckets) => Promise<void>): Promise<void> {
    try {
      await this.enqueue(() => {
        // Only before the first resync (start() runs one before the API serves): nothing to write into yet.
        if (!this.buckets) throw new Error("kv projection not started");
        return write(this.buckets);
      });
    } catch (err) {
      this.logger.error({ err, what }, "kv projection write failed; a resync will repair it");
      this.scheduleHeal();
    }
  }

  private scheduleHeal(): void {
    if (this.stopped || this.healTimer) return;
    this.healTimer = setTimeout(() => {
      this.healTimer = undefined;
      void this.resyncLogged("heal after failed write");
    }, this.healDelayMs);
    this.healTimer.unref();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => {});
    return run;
  }
}

async function put(kv: KV, entry: Entry): Promise<void> {
  await kv.put(entry.kvKey, entry.data);
}

async function remove(kv: KV, kvKey: string): Promise<void> {
  const current = await kv.get(kvKey);
  // A delete marker on an absent entry would wake every watcher for nothing.
  if (current?.operation === "PUT") await kv.delete(kvKey);
}

/**
 * The bucket's entries are listed from the stream's per-subject state, not with `kv.keys()`: its
 * consumer can miss a key rewritten while it lists (another admin's write), which would leave an
 * entry with no row in place.
 */
async function syncBucket(nc: NatsConnection, bucket: string, kv: KV, entries: Entry[]): Promise<BucketReport> {
  const report: BucketReport = { written: 0, deleted: 0, unchanged: 0 };
  const wanted = new Map(entries.map((e) => [e.kvKey, e.data]));
  const present = new Map((await storedEntries(nc, kv, bucket)).map((entry) => [entry.key, decoder.decode(entry.value)]));
  for (const k of present.keys()) {
    if (wanted.has(k)) continue;
    await kv.delete(k);
    report.deleted++;
  }
  for (const [kvKey, data] of wanted) {
    // Rewriting an unchanged entry would wake every gateway's watcher for nothing.
    if (present.get(kvKey) === data) {
      report.unchanged++;
      continue;
    }
    await kv.put(kvKey, data);
    report.written++;
  }
  return report;
}
