import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { adminProxyRoutes } from "./admin-proxy.js";

let seen: IncomingHttpHeaders | undefined;
let seenUrl: string | undefined;
const admin = createServer((req, res) => {
  seen = req.headers;
  seenUrl = req.url;
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
});
let gatewayUrl: string;
let gateway: ReturnType<typeof serve>;

beforeAll(async () => {
  await new Promise<void>((resolve) => admin.listen(0, "127.0.0.1", resolve));
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => {
    gateway = serve({ fetch: adminProxyRoutes(adminUrl).fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      gatewayUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise((resolve) => gateway.close(resolve));
  await new Promise((resolve) => admin.close(resolve));
});

it("tells the admin service who calls, as the gateway saw them, never as the caller claims", async () => {
  const res = await fetch(`${gatewayUrl}/admin/api/key-management/keys?limit=5`, {
    headers: { authorization: "Bearer t0ken", "x-forwarded-for": "10.1.2.3", cookie: "c=1" },
  });
  expect(res.status).toBe(200);
  expect(seen!["x-forwarded-for"]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  expect(seen!.authorization).toBe("Bearer t0ken");
  expect(seen!.cookie).toBeUndefined();
});

it("forwards the usage page's aggregates and series, and nothing else of the admin API", async () => {
  const series = await fetch(`${gatewayUrl}/admin/api/events/series?bucketSeconds=60&splitBy=model`, { headers: { authorization: "Bearer t0ken" } });
  expect(series.status).toBe(200);
  expect(seenUrl).toBe("/api/events/series?bucketSeconds=60&splitBy=model");
  expect(seen!.authorization).toBe("Bearer t0ken");
  seenUrl = undefined;
  expect((await fetch(`${gatewayUrl}/admin/api/providers`)).status).toBe(404);
  expect((await fetch(`${gatewayUrl}/admin/api/prices/m1`)).status).toBe(404);
  expect(seenUrl).toBeUndefined();
});
