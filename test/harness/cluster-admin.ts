import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAdminConfig, startAdmin } from "@lantern/admin";
import type { UsageEvent } from "@lantern/shared/contracts";
import { useTestDatabase } from "@lantern/shared/database";
import { createLogger } from "@lantern/shared/logging";

/*
 * The admin service on a cluster's three URLs with NATS_REPLICAS=3, storing usage in a fresh
 * Postgres database of its own: where an operator reads what each request cost.
 */

const TOKEN = "cluster-admin-token-0123456789";

export interface ClusterAdmin {
  /** Every usage event admin has stored, read through its API, newest first. */
  storedEvents(): Promise<Array<Pick<UsageEvent, "id" | "requestId">>>;
  stop(): Promise<void>;
}

export async function startClusterAdmin(natsUrl: string, namespace: string): Promise<ClusterAdmin> {
  const database = await useTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-cluster-admin-"));
  const admin = await startAdmin(
    loadAdminConfig({ NATS_URL: natsUrl, NATS_NAMESPACE: namespace, NATS_REPLICAS: "3", ADMIN_PORT: "0", ADMIN_TOKEN: TOKEN, LANTERN_DATA_DIR: dataDir, DATABASE_URL: database.url }),
    createLogger({ service: "admin", level: "silent" }),
  ).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  return {
    async storedEvents() {
      const events: Array<Pick<UsageEvent, "id" | "requestId">> = [];
      for (let cursor: string | null = ""; cursor !== null; ) {
        const page = `${admin.url}/api/events?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await fetch(page, { headers: { authorization: `Bearer ${TOKEN}` } });
        if (!res.ok) throw new Error(`GET /api/events answered ${res.status}`);
        const body = (await res.json()) as { events: Array<Pick<UsageEvent, "id" | "requestId">>; nextCursor: string | null };
        events.push(...body.events);
        cursor = body.nextCursor;
      }
      return events;
    },
    async stop() {
      await admin.stop(1_000);
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
