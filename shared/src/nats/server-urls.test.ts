import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { closeNats, connectNats } from "./connect.js";
import { findNatsServer, freePort } from "./local-server.js";
import { natsServerOptions, redactNatsUrl } from "./server-urls.js";

const logger = pino({ level: "silent" });

describe("natsServerOptions", () => {
  it("lifts user and password out of every server of the list", () => {
    expect(natsServerOptions("nats://alice:p%40ss@nats-1:4222, nats://alice:p%40ss@nats-2:4222")).toEqual({
      servers: ["nats://nats-1:4222", "nats://nats-2:4222"],
      user: "alice",
      pass: "p@ss",
    });
  });

  it("reads a lone user part as a token, and tls:// as TLS required", () => {
    expect(natsServerOptions("tls://s3cr3t@hub.example.com:4222")).toEqual({
      servers: ["nats://hub.example.com:4222"],
      token: "s3cr3t",
      tls: {},
    });
  });

  it("keeps plain servers as they are", () => {
    expect(natsServerOptions("nats://127.0.0.1:4222,127.0.0.1:4223")).toEqual({ servers: ["nats://127.0.0.1:4222", "127.0.0.1:4223"] });
  });

  it("redacts credentials for printing", () => {
    expect(redactNatsUrl("nats://alice:pw@a:4222,tls://tok@b:4222,nats://c:4222")).toBe("nats://***@a:4222,tls://***@b:4222,nats://c:4222");
  });
});

describe("connectNats against a server that requires a password", () => {
  let server: ChildProcess;
  let port: number;

  beforeAll(async () => {
    const bin = findNatsServer();
    if (!bin) throw new Error("nats-server is needed for this test");
    port = await freePort();
    server = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "--user", "worker", "--pass", "p@ss:w0rd"], { stdio: "ignore" });
    for (let tries = 0; ; tries++) {
      try {
        const { nc } = await connectNats({ url: `nats://worker:p%40ss%3Aw0rd@127.0.0.1:${port}`, name: "probe", logger });
        await closeNats(nc);
        break;
      } catch (err) {
        if (tries > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(() => {
    server?.kill();
  });

  it("connects with the credentials in NATS_URL and carries messages", async () => {
    const { nc } = await connectNats({ url: `nats://worker:p%40ss%3Aw0rd@127.0.0.1:${port}`, name: "probe", logger });
    const sub = nc.subscribe("probe.echo", { max: 1 });
    nc.publish("probe.echo", "hello");
    for await (const msg of sub) expect(msg.string()).toBe("hello");
    await closeNats(nc);
  });

  it("is refused without them, or with a wrong password", async () => {
    await expect(connectNats({ url: `nats://127.0.0.1:${port}`, name: "probe", logger })).rejects.toThrow(/authorization/i);
    await expect(connectNats({ url: `nats://worker:wrong@127.0.0.1:${port}`, name: "probe", logger })).rejects.toThrow(/authorization/i);
  });

  it("refuses a tls:// URL when the server offers no TLS", async () => {
    await expect(connectNats({ url: `tls://worker:p%40ss%3Aw0rd@127.0.0.1:${port}`, name: "probe", logger })).rejects.toThrow(/tls/i);
  });
});
