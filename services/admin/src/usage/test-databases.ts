import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useTestDatabase } from "@lantern/shared/database";
import { openDatabase, type OpenDatabase } from "../db/database.js";

type OpenBackend = () => Promise<{ db: OpenDatabase; cleanup: () => Promise<void> }>;

/** A database of its own on each backend admin runs on, for `describe.each`: the usage SQL must answer alike on both. */
export const usageBackends: Array<[string, OpenBackend]> = [
  [
    "Postgres",
    async () => {
      const pg = await useTestDatabase();
      const db = await openDatabase({ databaseUrl: pg.url, pgliteDir: "" });
      return { db, cleanup: async () => (await db.close(), await pg.drop()) };
    },
  ],
  [
    "PGlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "lantern-events-"));
      const db = await openDatabase({ pgliteDir: dir });
      return { db, cleanup: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
];
