import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema.js";

export type AdminDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabase {
  db: AdminDb;
  /** `postgres` for a server, `pglite` for the embedded database. */
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "drizzle");
// Any fixed number: every admin replica takes the same lock, so only one migrates at a time.
const MIGRATION_LOCK = 74_117_001;

/**
 * Opens the admin database and brings its schema up to date with the checked-in migrations
 * (idempotent: applied ones are skipped). A `DATABASE_URL` selects a Postgres server; without one
 * an embedded PGlite database lives under `pgliteDir`.
 */
export async function openDatabase(opts: { databaseUrl?: string | undefined; pgliteDir: string }): Promise<OpenDatabase> {
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema });
    const lock = await client.reserve();
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
      await migratePostgres(db, { migrationsFolder });
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
      lock.release();
    }
    return { db: db as unknown as AdminDb, kind: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  mkdirSync(opts.pgliteDir, { recursive: true });
  const client = new PGlite(opts.pgliteDir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as AdminDb, kind: "pglite", close: () => client.close() };
}
