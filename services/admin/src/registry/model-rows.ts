import { and, eq, sql } from "drizzle-orm";
import type { ModelManifest } from "@lantern/shared/contracts";
import type { AdminDb } from "../db/database.js";
import { models } from "../db/schema.js";

const rowOf = (m: ModelManifest) => ({
  name: m.name,
  file: m.file,
  sizeBytes: m.sizeBytes,
  sha256: m.sha256,
  architecture: m.architecture,
  quantization: m.quantization,
  contextLength: m.contextLength,
  parameterCount: m.parameterCount,
  hasChatTemplate: m.hasChatTemplate,
  source: (m.source ?? {}) as Record<string, unknown>,
});

/** Registers a verified model under its name; a second registration of the name replaces the first. */
export async function upsertModelRow(db: AdminDb, manifest: ModelManifest): Promise<void> {
  const row = rowOf(manifest);
  const { name: _name, ...update } = row;
  await db
    .insert(models)
    .values(row)
    .onConflictDoUpdate({ target: models.name, set: { ...update, updatedAt: sql`now()` } });
}

/** Registers a model found on disk unless its name is registered already; true when it was new. */
export async function insertModelRowIfMissing(db: AdminDb, manifest: ModelManifest): Promise<boolean> {
  const inserted = await db.insert(models).values(rowOf(manifest)).onConflictDoNothing().returning({ name: models.name });
  return inserted.length > 0;
}

/**
 * Forgets a registration, only while it still points at `file` (when given): a name pulled again
 * into another file since stays registered.
 */
export async function deleteModelRow(db: AdminDb, name: string, file?: string): Promise<boolean> {
  const where = file === undefined ? eq(models.name, name) : and(eq(models.name, name), eq(models.file, file));
  const deleted = await db.delete(models).where(where).returning({ name: models.name });
  return deleted.length > 0;
}
