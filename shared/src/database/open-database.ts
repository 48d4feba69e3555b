import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { leasePglite } from "./embedded-pglite.js";

export type Database<S extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, S>;

export interface OpenedDatabase<S extends Record<string, unknown>> {
  db: Database<S>;
  /** `postgres` for a server, `pglite` for the embedded database. */
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

interface OpenDatabaseOptions<S extends Record<string, unknown>> {
  schema: S;
  /** The service's checked-in drizzle migrations. */
  migrationsFolder: string;
  /**
   * The table recording applied migrations. Each service owning tables in one database keeps
   * its own, so their migration histories never mix.
   */
  migrationsTable: string;
  /** A number only this service's replicas use: they take it as an advisory lock to migrate one at a time. */
  migrationLock: number;
  /**
   * A Postgres server; without it the embedded PGlite database under `pgliteDir`, shared with any
   * other service of this process that opens the same directory (each with its own tables).
   */
  databaseUrl?: string | undefined;
  pgliteDir: string;
}

/**
 * Opens a service's database and brings its schema up to date with its checked-in migrations
 * (idempotent: applied ones are skipped).
 */
export async function openDrizzleDatabase<S extends Record<string, unknown>>(opts: OpenDatabaseOptions<S>): Promise<OpenedDatabase<S>> {
  const migrationConfig = { migrationsFolder: opts.migrationsFolder, migrationsTable: opts.migrationsTable };
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema: opts.schema });
    const lock = await client.reserve();
    try {
      await lock`select pg_advisory_lock(${opts.migrationLock})`;
      await migratePostgres(db, migrationConfig);
    } finally {
      await lock`select pg_advisory_unlock(${opts.migrationLock})`.catch(() => {});
      lock.release();
    }
    return { db: db as unknown as Database<S>, kind: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  const lease = await leasePglite(opts.pgliteDir);
  try {
    const db = drizzlePglite(lease.client, { schema: opts.schema });
    await migratePglite(db, migrationConfig);
    return { db: db as unknown as Database<S>, kind: "pglite", close: () => lease.release() };
  } catch (err) {
    await lease.release();
    throw err;
  }
}
