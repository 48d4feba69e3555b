import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { embeddedDatabaseDir, type Database } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";
import { openOrchestratorDatabase } from "./database.js";
import { importSeparateDatabase, SEPARATE_DATABASE_DIR } from "./separate-database-import.js";

/*
 * A data directory from before the orchestrator shared admin's embedded database: its own
 * `orchestrator-db` holds a conversation, a task and a webhook delivery. The first start on the
 * shared database copies them over, keeps the old directory renamed, and new rows go on after them.
 */

type AnyDb = Database<Record<string, unknown>>;
const quiet = createLogger({ service: "import-test", level: "silent" });
const dataDir = mkdtempSync(join(tmpdir(), "lantern-orch-import-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function rows(db: AnyDb, query: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

it("copies the orchestrator's separate embedded database into the shared one, once", async () => {
  const before = await openOrchestratorDatabase({ pgliteDir: join(dataDir, SEPARATE_DATABASE_DIR) });
  const db = before.db as AnyDb;
  await db.execute("insert into conversations (id, title) values ('conv_1', 'Kept')");
  await db.execute("insert into conversation_messages (id, conversation_id, seq, role, content) values ('msg_1', 'conv_1', 1, 'user', 'Hello')");
  await db.execute(`insert into tasks (id, kind, input, params, priority, status) values ('task_1', 'model', '{}', '{}', 1, 'done')`);
  await db.execute("insert into task_webhook_deliveries (task_id, attempt, ms) values ('task_1', 1, 12)");
  await before.close();

  const sharedDir = embeddedDatabaseDir(dataDir);
  const shared = await openOrchestratorDatabase({ pgliteDir: sharedDir });
  await importSeparateDatabase(dataDir, sharedDir, quiet);
  const sdb = shared.db as AnyDb;
  expect(await rows(sdb, "select title from conversations")).toEqual([{ title: "Kept" }]);
  expect(await rows(sdb, "select content from conversation_messages where conversation_id = 'conv_1'")).toEqual([{ content: "Hello" }]);
  expect(await rows(sdb, "select status from tasks where id = 'task_1'")).toEqual([{ status: "done" }]);
  // The next delivery gets an id after the copied one.
  await sdb.execute("insert into task_webhook_deliveries (task_id, attempt, ms) values ('task_1', 2, 9)");
  expect(await rows(sdb, "select id, attempt from task_webhook_deliveries order by id")).toEqual([
    { id: 1, attempt: 1 },
    { id: 2, attempt: 2 },
  ]);
  expect(existsSync(join(dataDir, SEPARATE_DATABASE_DIR))).toBe(false);
  expect(existsSync(join(dataDir, `${SEPARATE_DATABASE_DIR}.imported`, "PG_VERSION"))).toBe(true);

  // The next start finds nothing to import.
  await importSeparateDatabase(dataDir, sharedDir, quiet);
  expect(await rows(sdb, "select count(*)::int as n from conversations")).toEqual([{ n: 1 }]);
  await shared.close();
}, 120_000);
