import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDrizzleDatabase, type Database, type OpenedDatabase } from "@lantern/shared/database";
import * as schema from "./schema.js";

export type AdminDb = Database<typeof schema>;
export type OpenDatabase = OpenedDatabase<typeof schema>;

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "drizzle");

/**
 * Opens the admin database and brings its schema up to date. A `DATABASE_URL` selects a Postgres
 * server; without one an embedded PGlite database lives under `pgliteDir`.
 */
export function openDatabase(opts: { databaseUrl?: string | undefined; pgliteDir: string }): Promise<OpenDatabase> {
  return openDrizzleDatabase({
    schema,
    migrationsFolder,
    // drizzle's default table name, which databases created so far already use.
    migrationsTable: "__drizzle_migrations",
    migrationLock: 74_117_001,
    ...opts,
  });
}
