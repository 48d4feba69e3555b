import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAdminConfig, startAdmin } from "@lantern/admin";
import type { UsageEvent } from "@lantern/shared/contracts";
import { useTestDatabase } from "@lantern/shared/database";
import { capturingLogger } from "./log-capture.js";

/*
 * The admin service on a cluster's three URLs with NATS_REPLICAS=3, storing usage in a fresh
 * Postgres database of its own: where an operator reads what each request cost.
 */

const TOKEN = "cluster-admin-token-0123456789";

export interface ClusterAdmin {
  /** Every usage event admin has stored, read through its API, newest first. */
  storedEvents(): Promise<Array<Pick<UsageEvent, "id" | "requestId">>>;
  /** What admin logged at info and above: read when a test waited for it in vain. */
  logs: Array<Record<string, unknown>>;
  /** Admin's own health report, its usage store's state and lag among it. */
  health(): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startClusterAdmin(natsUrl: string, namespace: string): Promise<ClusterAdmin> {
  const database = await useTestDatabase();
  const { logger, lines } = capturingLogger("admin");
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-cluster-admin-"));
  const admin = await startAdmin(
    loadAdminConfig({ NATS_URL: natsUrl, NATS_NAMESPACE: namespace, NATS_REPLICAS: "3", ADMIN_PORT: "0", ADMIN_TOKEN: TOKEN, LANTERN_DATA_DIR: dataDir, DATABASE_URL: database.url }),
    logger,
  ).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  return {
    logs: lines,
    health: async () => (await fetch(`${admin.url}/api/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).json(),
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
