import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { usageEvents } from "./schema.js";
import { useTestDatabase } from "@lantern/shared/database";

const row = {
  id: "ev_1",
  at: new Date(),
  requestId: "req_1",
  gatewayId: "gw_1",
  keyId: null,
  method: "POST",
  path: "/v1/chat/completions",
  model: "m",
  provider: "local",
  workerIds: [],
  status: 200,
  errorType: null,
  stream: false,
  promptTokens: 1,
  completionTokens: 2,
  costUsd: 0,
  ttftMs: null,
  latencyMs: 3,
  cacheHit: false,
};

describe("admin database", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("migrates an embedded PGlite database, and again on reopen without losing rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lantern-pglite-"));
    dirs.push(dir);
    const first = await openDatabase({ pgliteDir: dir });
    expect(first.kind).toBe("pglite");
    await first.db.insert(usageEvents).values(row);
    await first.close();
    const second = await openDatabase({ pgliteDir: dir });
    const rows = await second.db.select().from(usageEvents).where(eq(usageEvents.id, "ev_1"));
    expect(rows).toHaveLength(1);
    await second.close();
  });

  it("migrates a Postgres server database, concurrently from two openers", async () => {
    const pg = await useTestDatabase();
    try {
      const [a, b] = await Promise.all([
        openDatabase({ databaseUrl: pg.url, pgliteDir: "" }),
        openDatabase({ databaseUrl: pg.url, pgliteDir: "" }),
      ]);
      expect(a.kind).toBe("postgres");
      await a.db.insert(usageEvents).values(row);
      expect(await b.db.select().from(usageEvents)).toHaveLength(1);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await pg.drop();
    }
  });
});
