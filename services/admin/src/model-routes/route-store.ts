import { asc, eq, inArray } from "drizzle-orm";
import { LOCAL_PROVIDER, type ModelRoute, type RouteStep } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { modelRoutes, providerSettings } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { conflict, invalidRequest, notFound } from "../http/admin-errors.js";
import type { RouteCreate, RouteView } from "./route-schemas.js";

type RouteRow = typeof modelRoutes.$inferSelect;
type Tx = Parameters<Parameters<AdminDb["transaction"]>[0]>[0];

/**
 * Every step must name `local` or a registered provider. The share lock keeps those providers from
 * being deleted until this transaction commits.
 */
async function assertProvidersExist(tx: Tx, steps: RouteStep[]): Promise<void> {
  const named = [...new Set(steps.map((s) => s.provider).filter((p) => p !== LOCAL_PROVIDER))];
  const found =
    named.length === 0
      ? []
      : await tx.select({ name: providerSettings.name }).from(providerSettings).where(inArray(providerSettings.name, named)).for("share");
  const known = new Set(found.map((f) => f.name));
  const missing = steps.findIndex((s) => s.provider !== LOCAL_PROVIDER && !known.has(s.provider));
  if (missing >= 0) {
    const provider = steps[missing]!.provider;
    throw invalidRequest(`Unknown provider '${provider}': register it under /api/provider-settings first, or use '${LOCAL_PROVIDER}'.`, `steps[${missing}].provider`, "unknown_provider");
  }
}

export class RouteStore {
  constructor(private readonly db: AdminDb) {}

  async create(input: RouteCreate): Promise<RouteRow> {
    try {
      return await this.db.transaction(async (tx) => {
        await assertProvidersExist(tx, input.steps);
        const [row] = await tx.insert(modelRoutes).values(input).returning();
        return row!;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A route for '${input.model}' already exists.`, "model", "route_exists");
      throw err;
    }
  }

  list(): Promise<RouteRow[]> {
    return this.db.select().from(modelRoutes).orderBy(asc(modelRoutes.model));
  }

  async find(model: string): Promise<RouteRow | undefined> {
    const [row] = await this.db.select().from(modelRoutes).where(eq(modelRoutes.model, model));
    return row;
  }

  async get(model: string): Promise<RouteRow> {
    const row = await this.find(model);
    if (!row) throw notFound("route", model, "model");
    return row;
  }

  update(model: string, steps: RouteStep[]): Promise<RouteRow> {
    return this.db.transaction(async (tx) => {
      await assertProvidersExist(tx, steps);
      const [row] = await tx.update(modelRoutes).set({ steps, updatedAt: new Date() }).where(eq(modelRoutes.model, model)).returning();
      if (!row) throw notFound("route", model, "model");
      return row;
    });
  }

  async delete(model: string): Promise<void> {
    const deleted = await this.db.delete(modelRoutes).where(eq(modelRoutes.model, model)).returning({ model: modelRoutes.model });
    if (deleted.length === 0) throw notFound("route", model, "model");
  }
}

export function routeView(row: RouteRow): RouteView {
  return { model: row.model, steps: row.steps, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function modelRouteOf(row: RouteRow): ModelRoute {
  return { v: 1, model: row.model, steps: row.steps };
}
