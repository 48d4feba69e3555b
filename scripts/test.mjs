// `npm test`: install what is missing, type-check, then run the whole suite once.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps();
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (bin, args) => {
  const result = spawnSync(process.execPath, [join(root, "node_modules", bin), ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
console.log("Type-checking ...");
run("typescript/bin/tsc", ["-p", "tsconfig.json"]);
run("vitest/vitest.mjs", ["run", ...process.argv.slice(2)]);
