import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { getTableName, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { leasePglite } from "@lantern/shared/database";
import type { Logger } from "@lantern/shared/logging";
import { ORCHESTRATOR_MIGRATIONS } from "./database.js";
import * as schema from "./schema.js";

/** Parents before the rows that reference them. */
const TABLES_IN_ORDER: Table[] = [
  schema.pipelineRuns,
  schema.stageRuns,
  schema.tasks,
  schema.taskWebhookDeliveries,
  schema.conversations,
  schema.conversationMessages,
  schema.storedResponses,
];

/** Where the orchestrator kept its embedded database before it shared admin's. */
export const SEPARATE_DATABASE_DIR = "orchestrator-db";

/**
 * Before admin and the orchestrator shared one embedded database, the orchestrator kept its own in
 * `<data dir>/orchestrator-db`. On the first start that finds one, its rows (runs, tasks,
 * conversations, stored responses) are copied into the shared database in one transaction, after
 * its schema is brought up to date, and the directory is renamed `orchestrator-db.imported`: kept as
 * it was, for the user to delete. Shared tables that already hold rows are left as they are.
 */
export async function importSeparateDatabase(dataDir: string, sharedDir: string, logger: Logger): Promise<void> {
  const separateDir = join(dataDir, SEPARATE_DATABASE_DIR);
  if (!existsSync(join(separateDir, "PG_VERSION"))) return;
  const source = await leasePglite(separateDir);
  const target = await leasePglite(sharedDir);
  const copied: Record<string, number> = {};
  try {
    await migrate(drizzle(source.client), ORCHESTRATOR_MIGRATIONS);
    await target.client.transaction(async (tx) => {
      for (const table of TABLES_IN_ORDER) {
        if ((await tx.query(`select 1 from "${getTableName(table)}" limit 1`)).rows.length > 0) {
          logger.warn({ table: getTableName(table) }, "the shared database already holds orchestrator rows; the separate one is not copied");
          return;
        }
      }
      for (const table of TABLES_IN_ORDER) {
        const name = getTableName(table);
        const rows = await source.client.query<{ n: number }>(`select count(*)::int as n from "${name}"`);
        copied[name] = rows.rows[0]?.n ?? 0;
        if (copied[name] === 0) continue;
        const out = await source.client.query(`copy "${name}" to '/dev/blob'`);
        await tx.query(`copy "${name}" from '/dev/blob'`, [], { blob: out.blob! });
      }
      // Copied ids are not drawn from the sequence: the next one drawn must come after them.
      await tx.query(`select setval(pg_get_serial_sequence('task_webhook_deliveries', 'id'), coalesce(max(id), 0) + 1, false) from task_webhook_deliveries`);
    });
  } finally {
    await target.release();
    await source.release();
  }
  renameSync(separateDir, `${separateDir}.imported`);
  logger.info({ from: separateDir, rows: copied }, "imported the orchestrator's separate embedded database into the shared one");
}
