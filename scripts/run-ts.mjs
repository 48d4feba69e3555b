// Runs a TypeScript entry point with tsx, passing signals through and exiting with its code.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

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
