import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseTestBackends, dockerSocketPresent } from "./test-backends.js";

describe("chooseTestBackends", () => {
  it("uses the URLs given, whatever Docker offers", () => {
    const env = { NATS_URL: "nats://10.0.0.1:4222", DATABASE_URL: "postgres://db/x" };
    expect(chooseTestBackends(env, true)).toEqual({ nats: "env", postgres: "env" });
    expect(chooseTestBackends(env, false)).toEqual({ nats: "env", postgres: "env" });
  });

  it("starts containers for what has no URL when Docker answers", () => {
    expect(chooseTestBackends({}, true)).toEqual({ nats: "container", postgres: "container" });
    expect(chooseTestBackends({ DATABASE_URL: "postgres://db/x" }, true)).toEqual({ nats: "container", postgres: "env" });
  });

  it("falls back to local servers without Docker", () => {
    expect(chooseTestBackends({}, false)).toEqual({ nats: "local", postgres: "local" });
    expect(chooseTestBackends({ NATS_URL: "nats://127.0.0.1:4222" }, false)).toEqual({ nats: "env", postgres: "local" });
  });

  it("keeps local servers when told to, and refuses to pretend containers exist", () => {
    expect(chooseTestBackends({ LANTERN_TEST_CONTAINERS: "0" }, true)).toEqual({ nats: "local", postgres: "local" });
    expect(chooseTestBackends({ LANTERN_TEST_CONTAINERS: "1" }, true)).toEqual({ nats: "container", postgres: "container" });
    expect(() => chooseTestBackends({ LANTERN_TEST_CONTAINERS: "1" }, false)).toThrow(/no Docker engine answers/);
  });
});

describe("dockerSocketPresent", () => {
  const dir = mkdtempSync(join(tmpdir(), "lantern-docker-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sees DOCKER_HOST or the socket file, nothing else", () => {
    const socket = join(dir, "docker.sock");
    expect(dockerSocketPresent({}, socket)).toBe(false);
    expect(dockerSocketPresent({ DOCKER_HOST: "tcp://127.0.0.1:2375" }, socket)).toBe(true);
    writeFileSync(socket, "");
    expect(dockerSocketPresent({}, socket)).toBe(true);
  });
});
