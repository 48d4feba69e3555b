// Finds import circles among the project's own TypeScript sources (services, shared, web, scripts, bench).
// `node scripts/import-cycles.mjs` prints each circle and exits 1 when there is one; `npm test` runs it first.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE_DIRS = ["services", "shared/src", "web/src", "scripts", "bench"];
const SKIP_DIRS = new Set(["node_modules", "dist", ".data", "corpus"]);
const SOURCE_FILE = /\.(ts|tsx|mts)$/;
// Type-only imports vanish at run time but still tie modules together, so they count.
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (SOURCE_FILE.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function workspaceExports() {
  const exportsByPackage = new Map();
  const packageDirs = [join(root, "shared"), ...readdirSync(join(root, "services")).map((name) => join(root, "services", name))];
  for (const dir of packageDirs) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, exports } = JSON.parse(readFileSync(manifest, "utf8"));
    if (!name || !exports) continue;
    const entries = typeof exports === "string" ? { ".": exports } : exports;
    for (const [subpath, target] of Object.entries(entries)) {
      const file = typeof target === "string" ? target : target.import ?? target.default;
      if (typeof file === "string") exportsByPackage.set(join(name, subpath), join(dir, file));
    }
  }
  return exportsByPackage;
}

function resolveFile(candidate) {
  const stem = candidate.replace(/\.(m?js|jsx)$/, "");
  for (const path of [candidate, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(candidate, "index.ts")]) {
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

export function importGraph() {
  const exportsByPackage = workspaceExports();
  const graph = new Map();
  for (const file of SOURCE_DIRS.flatMap((dir) => sourceFiles(join(root, dir)))) {
    const text = readFileSync(file, "utf8");
    const targets = new Set();
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      const target = specifier.startsWith(".")
        ? resolveFile(resolve(dirname(file), specifier))
        : exportsByPackage.get(specifier);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself), by Tarjan's algorithm. */
export function importCycles(graph = importGraph()) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let counter = 0;
  const visit = (file) => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file), low.get(next)));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles.map((component) => component.map((file) => relative(root, file)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cycles = importCycles();
  for (const cycle of cycles) console.log(`import circle (${cycle.length} files):\n  ${cycle.join("\n  ")}`);
  console.log(cycles.length === 0 ? "No import circles." : `${cycles.length} import circle(s).`);
  process.exit(cycles.length === 0 ? 0 : 1);
}
