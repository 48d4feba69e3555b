import { asc, eq } from "drizzle-orm";
import type { ModelPrice } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { modelPrices } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { conflict, notFound } from "../http/admin-errors.js";
import type { PriceCreate, PriceUpdate, PriceView } from "./price-schemas.js";

type PriceRow = typeof modelPrices.$inferSelect;

export class PriceStore {
  constructor(private readonly db: AdminDb) {}

  async create(input: PriceCreate): Promise<PriceRow> {
    try {
      const [row] = await this.db.insert(modelPrices).values(input).returning();
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A price for '${input.model}' already exists; PATCH it instead.`, "model", "price_exists");
      throw err;
    }
  }

  list(): Promise<PriceRow[]> {
    return this.db.select().from(modelPrices).orderBy(asc(modelPrices.model));
  }

  async find(model: string): Promise<PriceRow | undefined> {
    const [row] = await this.db.select().from(modelPrices).where(eq(modelPrices.model, model));
    return row;
  }

  async get(model: string): Promise<PriceRow> {
    const row = await this.find(model);
    if (!row) throw notFound("price", model, "model");
    return row;
  }

  async update(model: string, patch: PriceUpdate): Promise<PriceRow> {
    const [row] = await this.db.update(modelPrices).set({ ...patch, updatedAt: new Date() }).where(eq(modelPrices.model, model)).returning();
    if (!row) throw notFound("price", model, "model");
    return row;
  }

  async delete(model: string): Promise<void> {
    const deleted = await this.db.delete(modelPrices).where(eq(modelPrices.model, model)).returning({ model: modelPrices.model });
    if (deleted.length === 0) throw notFound("price", model, "model");
  }
}

export function priceView(row: PriceRow): PriceView {
  return { model: row.model, inputPerMTokUsd: row.inputPerMTokUsd, outputPerMTokUsd: row.outputPerMTokUsd, updatedAt: row.updatedAt.toISOString() };
}

export function modelPriceOf(row: PriceRow): ModelPrice {
  return { v: 1, model: row.model, inputPerMTokUsd: row.inputPerMTokUsd, outputPerMTokUsd: row.outputPerMTokUsd };
}
