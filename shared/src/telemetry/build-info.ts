import { readFileSync } from "node:fs";
import { z } from "zod";

/** Env of a service that reports its build (`GET /state/version`). */
export const buildEnv = {
  LANTERN_BUILD: z
    .string()
    .min(1)
    .default("dev")
    .describe("the build a process reports at `/state/version` (the Dockerfile sets it from its `LANTERN_BUILD` build argument, e.g. a commit)"),
};

/**
 * The `version` of the package.json at `url`, or `unknown`. A service passes the path from a
 * module two levels below its package root, which holds both in the source tree and in its bundle.
 */
export function packageVersion(url: URL): string {
  try {
    const { version } = JSON.parse(readFileSync(url, "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
