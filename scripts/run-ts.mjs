// Runs TypeScript with tsx: `importTs` in this very process (so signals reach one process, not a
// wrapper and its child), `runTs` as a child process for the package scripts that want one.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Loads a TypeScript entry point (relative to the repository root) into this process. */
export async function importTs(entry) {
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(resolve(root, entry)).href);
}

export function runTs(entry, args = [], options = {}) {
  const require = createRequire(import.meta.url);
  const tsx = require.resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, entry, ...args], { stdio: "inherit", ...options });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return child;
}

// `node scripts/run-ts.mjs <entry.ts> [args...]`, for package scripts.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node scripts/run-ts.mjs <entry.ts> [args...]");
    process.exit(2);
  }
  runTs(entry, args);
}
