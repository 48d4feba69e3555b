import postgres from "postgres";
import { expect, it } from "vitest";
import { startTestAdmin } from "../testing/test-admin.js";
import { testServerUrl } from "@lantern/shared/database";

it("reports a lost database as 503 degraded, and health itself still answers", async () => {
  const t = await startTestAdmin("postgres");
  try {
    expect(await (await fetch(`${t.url}/api/health`)).json()).toMatchObject({ status: "ok", database: { ok: true, kind: "postgres" }, nats: { connected: true } });
    const server = postgres(testServerUrl(), { max: 1, onnotice: () => {} });
    await server.unsafe(`drop database ${new URL(t.databaseUrl!).pathname.slice(1)} with (force)`);
    await server.end();
    const res = await fetch(`${t.url}/api/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "degraded", database: { ok: false, kind: "postgres" }, nats: { connected: true } });
  } finally {
    await t.stop();
  }
});
