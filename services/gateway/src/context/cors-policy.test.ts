import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { corsPolicy } from "./cors-policy.js";

function appWith(origins: string) {
  const app = new Hono();
  const cors = corsPolicy(origins);
  if (cors) app.use("/v1/*", cors);
  app.post("/v1/chat/completions", (c) => c.json({ ok: true }));
  return app;
}

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
});

describe("CORS", () => {
  it("is closed by default: no origin is allowed to read an answer", async () => {
    const app = appWith("");
    const answer = await app.request("/v1/chat/completions", { method: "POST", headers: { origin: "https://evil.example" } });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const check = await app.request("/v1/chat/completions", preflight("https://evil.example"));
    expect(check.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the listed origins, with the key header in preflight", async () => {
    const app = appWith("https://chat.example, http://localhost:5173");
    const check = await app.request("/v1/chat/completions", preflight("https://chat.example"));
    expect(check.status).toBe(204);
    expect(check.headers.get("access-control-allow-origin")).toBe("https://chat.example");
    expect(check.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    // A page may ask for a cached answer, or skip the cache.
    expect(check.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-lantern-cache");
    const other = await app.request("/v1/chat/completions", preflight("https://evil.example"));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const answer = await app.request("/v1/chat/completions", { method: "POST", headers: { origin: "https://chat.example" } });
    expect(answer.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(answer.headers.get("access-control-expose-headers")).toContain("X-RateLimit-Remaining-Requests");
  });

  it("'*' opens it to every origin", async () => {
    const check = await appWith("*").request("/v1/chat/completions", preflight("https://anyone.example"));
    expect(check.headers.get("access-control-allow-origin")).toBe("*");
  });
});
