import { asc, eq, sql } from "drizzle-orm";
import type { ProviderSetting } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { modelRoutes, providerSettings } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { conflict, notFound } from "../http/admin-errors.js";
import type { ProviderCreate, ProviderUpdate, ProviderView } from "./provider-schemas.js";

type ProviderRow = typeof providerSettings.$inferSelect;

export class ProviderStore {
  constructor(private readonly db: AdminDb) {}

  async create(input: ProviderCreate): Promise<ProviderRow> {
    try {
      const [row] = await this.db.insert(providerSettings).values(input).returning();
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A provider named '${input.name}' already exists.`, "name", "provider_exists");
      throw err;
    }
  }

  list(): Promise<ProviderRow[]> {
    return this.db.select().from(providerSettings).orderBy(asc(providerSettings.name));
  }

  async find(name: string): Promise<ProviderRow | undefined> {
    const [row] = await this.db.select().from(providerSettings).where(eq(providerSettings.name, name));
    return row;
  }

  async get(name: string): Promise<ProviderRow> {
    const row = await this.find(name);
    if (!row) throw notFound("provider", name, "name");
    return row;
  }

  async update(name: string, patch: ProviderUpdate): Promise<ProviderRow> {
    const [row] = await this.db
      .update(providerSettings)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(providerSettings.name, name))
      .returning();
    if (!row) throw notFound("provider", name, "name");
    return row;
  }

  /** Refused while a route still sends traffic to the provider (it would leave the route pointing nowhere). */
  async delete(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const deleted = await tx.delete(providerSettings).where(eq(providerSettings.name, name)).returning({ name: providerSettings.name });
      if (deleted.length === 0) throw notFound("provider", name, "name");
      // Route writers hold a share lock on the providers they name, so this sees any route committed meanwhile.
      const users = await tx
        .select({ model: modelRoutes.model })
        .from(modelRoutes)
        .where(sql`${modelRoutes.steps} @> ${JSON.stringify([{ provider: name }])}::jsonb`);
      if (users.length > 0) {
        throw conflict(
          `Provider '${name}' is used by the route(s) ${users.map((u) => `'${u.model}'`).join(", ")}; change or delete them first.`,
          "name",
          "provider_in_use",
        );
      }
    });
  }
}

export function providerView(row: ProviderRow): ProviderView {
  return {
    name: row.name,
    baseUrl: row.baseUrl,
    hasApiKey: row.apiKey !== null,
    timeoutMs: row.timeoutMs,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** What the gateways get (KV `providers`): including the secret, which they need to call the upstream. */
export function providerSettingOf(row: ProviderRow): ProviderSetting {
  return { v: 1, name: row.name, baseUrl: row.baseUrl, apiKey: row.apiKey, timeoutMs: row.timeoutMs };
}
