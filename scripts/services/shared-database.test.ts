// Admin and the orchestrator on one data directory: one embedded database, each service migrating
// and owning its own tables; either one restarting leaves the other working. With DATABASE_URL
// (here the test Postgres server) both use the server and no embedded database is made.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../services/admin/src/db/database.js";
import { openOrchestratorDatabase } from "../../services/orchestrator/src/db/database.js";
import { embeddedDatabaseDir, useTestDatabase, type Database } from "@lantern/shared/database";

type AnyDb = Database<Record<string, unknown>>;

async function rows(db: AnyDb, query: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as { rows?: Record<string, unknown>[] } | Record<string, unknown>[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

const tables = (db: AnyDb) => rows(db, "select table_name from information_schema.tables where table_schema = 'public' order by 1").then((r) => r.map((x) => x.table_name));
const migrationCount = (db: AnyDb, table: string) => rows(db, `select count(*)::int as n from drizzle."${table}"`).then((r) => Number(r[0]!.n));
const keyCount = (db: AnyDb) => rows(db, "select count(*)::int as n from api_keys").then((r) => Number(r[0]!.n));
const runCount = (db: AnyDb) => rows(db, "select count(*)::int as n from pipeline_runs").then((r) => Number(r[0]!.n));

describe("one embedded database for admin and the orchestrator", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "lantern-shared-db-"));
    dirs.push(dir);
    return dir;
  };

  it("holds both services' tables, each with its own migration history, and survives either restarting", async () => {
    const pgliteDir = embeddedDatabaseDir(tempDir());
    let admin = await openDatabase({ pgliteDir });
    let orchestrator = await openOrchestratorDatabase({ pgliteDir });
    expect(admin.kind).toBe("pglite");
    const names = await tables(admin.db as AnyDb);
    expect(names).toEqual(expect.arrayContaining(["api_keys", "usage_events", "pipeline_runs", "stage_runs", "tasks"]));
    expect(await migrationCount(admin.db as AnyDb, "__drizzle_migrations")).toBeGreaterThan(0);
    expect(await migrationCount(admin.db as AnyDb, "__orchestrator_migrations")).toBeGreaterThan(0);

    // Admin restarts: the orchestrator goes on meanwhile, and admin comes back to its own rows.
    await admin.db.execute("insert into api_keys (id, name, key_hash, key_prefix) values ('k1', 'one', 'h1', 'p1')");
    await admin.close();
    expect(await runCount(orchestrator.db as AnyDb)).toBe(0);
    admin = await openDatabase({ pgliteDir });
    expect(await keyCount(admin.db as AnyDb)).toBe(1);

    // The orchestrator restarts: admin goes on, and the orchestrator's tables are still there.
    await orchestrator.close();
    expect(await keyCount(admin.db as AnyDb)).toBe(1);
    orchestrator = await openOrchestratorDatabase({ pgliteDir });
    expect(await runCount(orchestrator.db as AnyDb)).toBe(0);
    expect(await keyCount(orchestrator.db as AnyDb)).toBe(1);

    await admin.close();
    await orchestrator.close();
    // Both gone: the directory is free again, and reopening keeps the data.
    expect(existsSync(join(pgliteDir, "lantern.lock"))).toBe(false);
    const again = await openDatabase({ pgliteDir });
    expect(await keyCount(again.db as AnyDb)).toBe(1);
    await again.close();
  }, 120_000);

  it("takes over admin's database of before it was shared", () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, "admin-db"));
    writeFileSync(join(dataDir, "admin-db", "PG_VERSION"), "17\n");
    const dir = embeddedDatabaseDir(dataDir);
    expect(dir).toBe(join(dataDir, "db"));
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dataDir, "admin-db"))).toBe(false);
  });

  it("uses DATABASE_URL when set: both services' tables on the server, no embedded database", async () => {
    const server = await useTestDatabase();
    const pgliteDir = join(tempDir(), "db");
    try {
      const admin = await openDatabase({ databaseUrl: server.url, pgliteDir });
      const orchestrator = await openOrchestratorDatabase({ databaseUrl: server.url, pgliteDir });
      expect([admin.kind, orchestrator.kind]).toEqual(["postgres", "postgres"]);
      expect(await tables(admin.db as AnyDb)).toEqual(expect.arrayContaining(["api_keys", "pipeline_runs"]));
      expect(existsSync(pgliteDir)).toBe(false);
      await orchestrator.close();
      await admin.close();
    } finally {
      await server.drop();
    }
  }, 60_000);
});
