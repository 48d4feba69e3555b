import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDrizzleDatabase, type Database, type OpenedDatabase } from "@lantern/shared/database";
import * as schema from "./schema.js";

export type OrchestratorDb = Database<typeof schema>;
export type OpenOrchestratorDatabase = OpenedDatabase<typeof schema>;

/** Its checked-in migrations and the table recording them, apart from admin's in a shared database. */
export const ORCHESTRATOR_MIGRATIONS = {
  migrationsFolder: join(dirname(fileURLToPath(import.meta.url)), "..", "..", "drizzle"),
  migrationsTable: "__orchestrator_migrations",
};

/**
 * Opens the orchestrator's tables and brings them up to date. They may share a Postgres database
 * with the admin service: the migration history and lock are the orchestrator's own.
 */
export function openOrchestratorDatabase(opts: { databaseUrl?: string | undefined; pgliteDir: string }): Promise<OpenOrchestratorDatabase> {
  return openDrizzleDatabase({
    schema,
    ...ORCHESTRATOR_MIGRATIONS,
    migrationLock: 74_117_002,
    ...opts,
  });
}
