// Installs the workspace's dependencies when they are missing or older than the lockfile.
// Works with only Node.js >= 20: uses pnpm from PATH when it is pnpm 10, else runs it through npx.
import { spawnSync } from "node:child_process";
import { existsSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PNPM_VERSION = "10.34.8";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function checkNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) {
    console.error(`Node.js >= 20 is required (this is ${process.versions.node}).`);
    process.exit(1);
  }
}

function pnpmCommand() {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8", shell: process.platform === "win32" });
  if (probe.status === 0 && probe.stdout.trim().startsWith("10.")) return ["pnpm", []];
  return ["npx", ["-y", `pnpm@${PNPM_VERSION}`]];
}

/** `quiet`: install output goes to stderr, so a command whose stdout is parsed (`--json`) stays clean. */
export function ensureDeps({ quiet = false } = {}) {
  checkNode();
  const installed = join(root, "node_modules", ".modules.yaml");
  const lock = join(root, "pnpm-lock.yaml");
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  const [cmd, prefix] = pnpmCommand();
  (quiet ? console.error : console.log)(`Installing dependencies (${cmd} ${[...prefix, "install"].join(" ")}) ...`);
  const result = spawnSync(cmd, [...prefix, "install", "--frozen-lockfile"], {
    cwd: root,
    stdio: quiet ? ["inherit", 2, 2] : "inherit",
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    console.error("Dependency install failed; see the output above.");
    process.exit(result.status ?? 1);
  }
  // pnpm leaves the marker untouched when nothing changed; mark this lockfile as installed.
  const now = new Date();
  utimesSync(installed, now, now);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureDeps({ quiet: process.argv.includes("--quiet") });
