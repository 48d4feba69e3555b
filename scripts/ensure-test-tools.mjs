// Installs the system programs the suite drives from Debian's packages when they are missing:
// Chromium for the browser tests and docker-compose for validating the compose stacks.
// Only where it can (root with apt-get); elsewhere the tests that need a program say it is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Program path → the Debian package that provides it. */
export const TEST_TOOLS = {
  "/usr/bin/chromium": "chromium",
  "/usr/bin/docker-compose": "docker-compose",
};

export function missingTestTools() {
  return Object.entries(TEST_TOOLS)
    .filter(([program]) => !existsSync(program))
    .map(([, pkg]) => pkg);
}

export function ensureTestTools({ log = console.log } = {}) {
  const missing = missingTestTools();
  if (missing.length === 0) return true;
  const canInstall = process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    log(`Not installing ${missing.join(", ")} (needs root and apt-get); the tests that drive them will fail until they are installed.`);
    return false;
  }
  log(`Installing ${missing.join(", ")} from Debian's packages ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (args) => spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
  const installed = apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]) ||
    (apt(["update", "-qq"]) && apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]));
  if (!installed) log(`Installing ${missing.join(", ")} failed; the tests that drive them will fail.`);
  return installed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(ensureTestTools() ? 0 : 1);
