import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "@lantern/shared/config";
import { createLogger } from "@lantern/shared/logging";
import { startAdmin } from "./admin-service.js";
import { isLoopbackHost } from "./bind-policy.js";
import { loadAdminConfig } from "./config.js";
import { tokenMatches } from "./http/admin-auth.js";
import { startTestAdmin } from "./testing/test-admin.js";

const mainPath = join(dirname(fileURLToPath(import.meta.url)), "main.ts");
const TOKEN = "a-long-enough-admin-token";

describe("admin bind rule: no token, loopback only", () => {
  it("tells loopback addresses from the rest", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com", "::ffff:10.0.0.1"]) expect(isLoopbackHost(host), host).toBe(false);
  });

  it("refuses a non-loopback bind without ADMIN_TOKEN, allows it with one", async () => {
    expect(() => loadAdminConfig({ ADMIN_HOST: "0.0.0.0" })).toThrow(ConfigError);
    expect(() => loadAdminConfig({ ADMIN_HOST: "0.0.0.0", ADMIN_TOKEN: "" })).toThrow(/ADMIN_TOKEN is required/);
    expect(() => loadAdminConfig({ ADMIN_HOST: "0.0.0.0", ADMIN_TOKEN: "short" })).toThrow(/at least 16/);
    expect(loadAdminConfig({ ADMIN_HOST: "0.0.0.0", ADMIN_TOKEN: TOKEN }).ADMIN_TOKEN).toBe(TOKEN);
    expect(loadAdminConfig({}).ADMIN_TOKEN).toBeUndefined();
    // Built by hand, past the config loader: startAdmin checks again before opening anything.
    const config = { ...loadAdminConfig({}), ADMIN_HOST: "0.0.0.0" };
    await expect(startAdmin(config, createLogger({ service: "admin", level: "silent" }))).rejects.toThrow(/ADMIN_TOKEN is required/);
  });

  it("the service process exits 1 with a clear message when bound to 0.0.0.0 without a token", async () => {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const child = spawn(process.execPath, ["--import", tsx, mainPath], {
      env: { ...process.env, ADMIN_HOST: "0.0.0.0", ADMIN_TOKEN: "", ADMIN_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain("ADMIN_TOKEN is required when ADMIN_HOST is not a loopback address");
  });

  it("runs open on loopback when no token is set", async () => {
    const t = await startTestAdmin("postgres", { ADMIN_TOKEN: "" });
    try {
      const res = await fetch(`${t.url}/api/key-management/keys`);
      expect(res.status).toBe(200);
      // A call a gateway forwarded from another machine is refused; one from this machine is not.
      const forwarded = (from: string) => fetch(`${t.url}/api/key-management/keys`, { headers: { "x-forwarded-for": from } });
      const remote = await forwarded("10.0.0.5");
      expect(remote.status).toBe(403);
      expect(((await remote.json()) as { error: unknown }).error).toMatchObject({ type: "permission_error", code: "admin_local_only" });
      expect((await forwarded("::ffff:127.0.0.1")).status).toBe(200);
      expect((await fetch(`${t.url}/api/health`, { headers: { "x-forwarded-for": "10.0.0.5" } })).status).not.toBe(403);
    } finally {
      await t.stop();
    }
  });

  it("matches the token exactly, whatever the lengths", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN} `, TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches("", TOKEN)).toBe(false);
  });
});
