// Lists source files over the line limit (300): a file that long holds more than one job.
// `node scripts/source-size.mjs` exits 1 when there is one; `npm test` runs it first.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MAX_LINES = 300;
const SOURCE = /\.(ts|tsx|mts|mjs|cjs|js|sh)$/;
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "services", "shared", "web", "scripts", "bench", "test", "image"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((path) => SOURCE.test(path) && !path.includes("/dist/"));
const long = tracked
  .map((path) => ({ path, lines: readFileSync(join(root, path), "utf8").split("\n").length - 1 }))
  .filter(({ lines }) => lines > MAX_LINES);
for (const { path, lines } of long) console.log(`${path}: ${lines} lines (limit ${MAX_LINES})`);
console.log(long.length === 0 ? `No source file over ${MAX_LINES} lines.` : `${long.length} file(s) over ${MAX_LINES} lines.`);
process.exit(long.length === 0 ? 0 : 1);
