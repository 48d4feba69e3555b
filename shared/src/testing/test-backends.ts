import { existsSync } from "node:fs";

/** Where the suite's NATS or Postgres comes from. */
export type BackendSource = "env" | "container" | "local";

export interface BackendChoice {
  nats: BackendSource;
  postgres: BackendSource;
}

/**
 * Picks, once per run, where the suite's NATS and Postgres come from: a URL the user gave wins; else,
 * where a Docker engine answers, containers started for the run (the user's machine needs nothing
 * installed but Docker); else the local servers the tests already know how to use (a private
 * nats-server per file, Postgres on 127.0.0.1:5432). `LANTERN_TEST_CONTAINERS=0` keeps local servers
 * even with Docker; `=1` insists on containers.
 */
export function chooseTestBackends(env: NodeJS.ProcessEnv, dockerAvailable: boolean): BackendChoice {
  const policy = env.LANTERN_TEST_CONTAINERS;
  if (policy === "1" && !dockerAvailable) {
    throw new Error("LANTERN_TEST_CONTAINERS=1 asks for containers, but no Docker engine answers (is the daemon running? DOCKER_HOST?)");
  }
  const containers = policy === "0" ? false : dockerAvailable;
  const pick = (url: string | undefined): BackendSource => (url ? "env" : containers ? "container" : "local");
  return { nats: pick(env.NATS_URL), postgres: pick(env.DATABASE_URL) };
}

/**
 * Whether a Docker engine might answer here, without loading the Docker client: a DOCKER_HOST or the
 * default socket. The container runtime's own probe then decides for certain.
 */
export function dockerSocketPresent(env: NodeJS.ProcessEnv, socketPath = "/var/run/docker.sock"): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync(socketPath);
}
