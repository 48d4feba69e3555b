import type { KV } from "@nats-io/kv";
import { ModelRoute, ProviderSetting } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import { WatchedTable } from "./watched-table.js";

/** Upstream providers by name. */
export type ProviderTable = WatchedTable<typeof ProviderSetting>;
/** Routes by the public model name they serve. */
export type RouteTable = WatchedTable<typeof ModelRoute>;

/** Loads providers and routes from KV (both complete when this resolves) and follows their changes. */
export async function startProviderTables(
  buckets: { providers: KV; routes: KV },
  logger: Logger,
): Promise<{ providers: ProviderTable; routes: RouteTable }> {
  const providers = new WatchedTable({
    kv: buckets.providers,
    what: "providers",
    schema: ProviderSetting,
    lookupKey: (p) => p.name,
    logger: logger.child({ component: "providers" }),
  });
  const routes = new WatchedTable({ kv: buckets.routes, what: "routes", schema: ModelRoute, lookupKey: (r) => r.model, logger: logger.child({ component: "routes" }) });
  await Promise.all([providers.start(), routes.start()]);
  return { providers, routes };
}
