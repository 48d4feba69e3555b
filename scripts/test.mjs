// `npm test`: install what is missing (packages, and the browser and compose programs the suite drives), check the import graph
// has no circles and no file outgrew its limit, type-check, then run the whole suite once.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDeps } from "./ensure-deps.mjs";
import { ensureTestTools } from "./ensure-test-tools.mjs";
import { ensureWeb } from "./ensure-web.mjs";

ensureDeps();
ensureTestTools();
if (!ensureWeb()) process.exit(1);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (bin, args) =>
  spawnSync(process.execPath, [join(root, "node_modules", bin), ...args], { cwd: root, stdio: "inherit" }).status ?? 1;

console.log("Checking the import graph and file sizes ...");
for (const check of ["scripts/import-cycles.mjs", "scripts/source-size.mjs"]) {
  const status = spawnSync(process.execPath, [join(root, check)], { cwd: root, stdio: "inherit" }).status ?? 1;
  if (status !== 0) process.exit(status);
}

console.log("Type-checking ...");
const typecheck = run("typescript/bin/tsc", ["-p", "tsconfig.json"]);
if (typecheck !== 0) process.exit(typecheck);
const webTypecheck = run("typescript/bin/tsc", ["-p", "web/tsconfig.json"]);
if (webTypecheck !== 0) process.exit(webTypecheck);

mkdirSync(join(root, ".data"), { recursive: true });
const results = join(root, ".data", "test-results.json");
rmSync(results, { force: true });
const status = run("vitest/vitest.mjs", ["run", "--reporter=default", "--reporter=json", `--outputFile=${results}`, ...process.argv.slice(2)]);
if (existsSync(results)) {
  const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(results, "utf8"));
  console.log(`\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
}
process.exit(status);
