// Runs a TypeScript entry point with tsx, passing signals through and exiting with its code.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

export function runTs(entry, args = [], options = {}) {
  const require = createRequire(import.meta.url);
  const tsx = require.resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, entry, ...args], { stdio: "inherit", ...options });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return child;
}
