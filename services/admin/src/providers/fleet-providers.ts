import type { ProviderStore } from "./provider-store.js";

/** The timeout a fleet provider carries; the fleet's own limits decide how long a generation takes. */
const FLEET_PROVIDER_TIMEOUT_MS = 600_000;

/**
 * Makes each named provider, when missing, as the worker fleet under that name (no base URL); one
 * that exists is left as its owner set it. Two admins starting at once may both try: the loser's
 * conflict is the same outcome.
 */
export async function ensureFleetProviders(store: ProviderStore, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (await store.find(name)) continue;
    await store.create({ name, baseUrl: null, apiKey: null, timeoutMs: FLEET_PROVIDER_TIMEOUT_MS }).catch(async (err: unknown) => {
      if (!(await store.find(name))) throw err;
    });
  }
}
