import { randomBytes } from "node:crypto";
import { and, count, desc, eq, ilike, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import { hashApiKey, type KeyCreate, type KeyListQuery, type KeyUpdate } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { apiKeys } from "../db/schema.js";
import { conflict, notFound } from "../http/admin-errors.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { keyPrefixOf, newKeySecret } from "./key-secret.js";

export type KeyRow = typeof apiKeys.$inferSelect;

const toDate = (iso: string | null | undefined) => (iso === undefined ? undefined : iso === null ? null : new Date(iso));
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Postgres-side operations on API keys; the caller projects each change into KV afterwards. */
export class KeyStore {
  constructor(private readonly db: AdminDb) {}

  /**
   * Stores the key's hash and returns the row with the secret, which is never retrievable again.
   * `id`: the key's id instead of a generated one (a BricksLLM client's `keyId`).
   */
  async create(input: KeyCreate, id = `key_${randomBytes(12).toString("base64url")}`): Promise<{ row: KeyRow; secret: string }> {
    const secret = input.key ?? newKeySecret();
    const keyHash = hashApiKey(secret);
    const existing = await this.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
    if (existing.length > 0) throw duplicateKey();
    try {
      const [row] = await this.db
        .insert(apiKeys)
        .values({
          id,
          name: input.name,
          tags: input.tags,
          keyHash,
          keyPrefix: keyPrefixOf(secret),
          allowedModels: input.allowedModels,
          allowedPaths: input.allowedPaths,
          rateLimits: input.rateLimits,
          maxConcurrent: input.maxConcurrent,
          budget: input.budget,
          cache: input.cache,
          expiresAt: toDate(input.expiresAt) ?? null,
        })
        .returning();
      return { row: row!, secret };
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateKey();
      throw err;
    }
  }

  async list(query: KeyListQuery): Promise<{ rows: KeyRow[]; total: number }> {
    const filters: SQL[] = [];
    if (query.tag !== undefined) filters.push(sql`${apiKeys.tags} @> ${JSON.stringify([query.tag])}::jsonb`);
    if (query.name !== undefined) filters.push(ilike(apiKeys.name, `%${escapeLike(query.name)}%`));
    if (query.revoked === true) filters.push(isNotNull(apiKeys.revokedAt));
    if (query.revoked === false) filters.push(isNull(apiKeys.revokedAt));
    const where = filters.length > 0 ? and(...filters) : undefined;
    const [rows, [total]] = await Promise.all([
      this.db.select().from(apiKeys).where(where).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(query.limit).offset(query.offset),
      this.db.select({ n: count() }).from(apiKeys).where(where),
    ]);
    return { rows, total: total?.n ?? 0 };
  }

  async find(id: string): Promise<KeyRow | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return row;
  }

  async get(id: string): Promise<KeyRow> {
    const row = await this.find(id);
    if (!row) throw notFound("key", id, "id");
    return row;
  }

  async update(id: string, patch: KeyUpdate): Promise<KeyRow> {
    const { expiresAt, ...rest } = patch;
    const [row] = await this.db
      .update(apiKeys)
      .set({ ...rest, ...(expiresAt !== undefined ? { expiresAt: toDate(expiresAt) } : {}), updatedAt: new Date() })
      .where(eq(apiKeys.id, id))
      .returning();
    if (!row) throw notFound("key", id, "id");
    return row;
  }

  /** Revoking twice keeps the first revocation time. */
  async revoke(id: string): Promise<KeyRow> {
    const now = new Date();
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(eq(apiKeys.id, id))
      .returning();
    if (!row) throw notFound("key", id, "id");
    return row;
  }

  all(): Promise<KeyRow[]> {
    return this.db.select().from(apiKeys);
  }
}

const duplicateKey = () => conflict("A key with this secret already exists.", "key", "key_exists");
