import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsNames } from "@lantern/shared/contracts";
import { createLogger } from "@lantern/shared/logging";
import { connectNats, ensureEdgeBuckets, type EdgeBuckets } from "@lantern/shared/nats";
import { useTestNats, type TestNats } from "@lantern/shared/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import { startAdmin, type RunningAdmin } from "../admin-service.js";
import { loadAdminConfig } from "../config.js";
import { useTestDatabase } from "@lantern/shared/database";

export type DatabaseKind = "postgres" | "pglite";

export interface TestAdmin {
  admin: RunningAdmin;
  url: string;
  nats: TestNats;
  /** The test's own Postgres database, for kind `postgres`. */
  databaseUrl: string | undefined;
  /** The edge buckets as a gateway sees them, through a connection of the test's own. */
  buckets: EdgeBuckets;
  nc: NatsConnection;
  /** A request to the admin API with the test token; `body` is sent as JSON. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

/** A real admin service (own NATS namespace, own database of the given kind) on a free loopback port. */
export async function startTestAdmin(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestAdmin> {
  const nats = await useTestNats("adm");
  const pg = kind === "postgres" ? await useTestDatabase() : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-admin-"));
  const logger = createLogger({ service: "admin", level: "silent" });
  const admin = await startAdmin(
    loadAdminConfig({
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      ADMIN_PORT: "0",
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LANTERN_DATA_DIR: dataDir,
      ...(pg ? { DATABASE_URL: pg.url } : {}),
      ...env,
    }),
    logger,
  );
  const link = await connectNats({ url: nats.url, name: "admin-test", logger });
  const buckets = await ensureEdgeBuckets(link.nc, natsNames(nats.namespace));
  return {
    admin,
    url: admin.url,
    nats,
    databaseUrl: pg?.url,
    buckets,
    nc: link.nc,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${admin.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      await admin.stop();
      await link.nc.close();
      await pg?.drop();
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The JSON value of a KV entry, or null when there is none (or it was deleted). */
export async function kvJson(kv: EdgeBuckets["keys"], key: string): Promise<any> {
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? entry.json() : null;
}
