import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { NatsLink } from "@lantern/shared/nats";
import type { OpenDatabase } from "../db/database.js";
import type { UsageStoreStatus } from "../usage/usage-store.js";
import type { ModelRegistrarStatus } from "../registry/model-registrar.js";
import { adminRouter, json } from "./admin-router.js";

const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: z.object({ ok: z.boolean(), kind: z.enum(["postgres", "pglite"]) }),
    nats: z.object({ connected: z.boolean() }),
    /** Usage events waiting in the stream: a growing lag with state `retrying` means the database is failing. */
    usageStore: z.object({ state: z.enum(["storing", "retrying", "stopped"]), lag: z.number().int(), stored: z.number().int() }).optional(),
    /** Registrations from finished pulls and removals: `retrying` means the database is failing and events wait. */
    modelRegistrar: z.object({ state: z.enum(["registering", "retrying", "stopped"]), registered: z.number().int(), removed: z.number().int() }).optional(),
  })
  .openapi("Health");

const health = createRoute({
  method: "get",
  path: "/api/health",
  tags: ["Health"],
  summary: "Database and NATS status (no token needed)",
  security: [],
  responses: { 200: json(Health, "Everything is reachable"), 503: json(Health, "The database or NATS is not reachable") },
});

/** An unreachable server can take the driver's whole connect timeout; health answers sooner than that. */
const DB_CHECK_TIMEOUT_MS = 2_000;

async function databaseAnswers(database: Pick<OpenDatabase, "db">): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DB_CHECK_TIMEOUT_MS);
  });
  const answered = database.db.execute(sql`select 1`).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthApi(
  database: Pick<OpenDatabase, "db" | "kind">,
  nats: Pick<NatsLink, "connected">,
  status: { usage?: () => UsageStoreStatus; registrar?: () => ModelRegistrarStatus } = {},
) {
  const app = adminRouter();
  app.openapi(health, async (c) => {
    const dbOk = await databaseAnswers(database);
    const usage = status.usage?.();
    const registrar = status.registrar?.();
    const body = {
      database: { ok: dbOk, kind: database.kind },
      nats: { connected: nats.connected },
      ...(usage ? { usageStore: { state: usage.state, lag: usage.lag, stored: usage.stored } } : {}),
      ...(registrar ? { modelRegistrar: { state: registrar.state, registered: registrar.registered, removed: registrar.removed } } : {}),
    };
    if (dbOk && nats.connected) return c.json({ status: "ok" as const, ...body }, 200);
    return c.json({ status: "degraded" as const, ...body }, 503);
  });
  return app;
}
