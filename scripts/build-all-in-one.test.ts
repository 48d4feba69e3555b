// The all-in-one image's app: every service the supervisor starts from LANTERN_BUILT_DIR, each bundle
// beside the files its code finds relative to itself, and no import the image's node_modules lacks.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICES, buildAllInOne, packageName } from "./build-all-in-one.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const services = [...SERVICES];
let out: string;
let externals: string[];

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "lantern-all-in-one-"));
  externals = await buildAllInOne(out);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const dependencies = (dir: string) => Object.keys((JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { dependencies?: object }).dependencies ?? {});

describe("build-all-in-one.mjs", () => {
  it("builds every service and the supervisor into the dir LANTERN_BUILT_DIR names", () => {
    expect(services.sort()).toEqual(["admin", "gateway", "inference", "model-fetcher", "orchestrator"]);
    for (const service of services) {
      expect(readFileSync(join(out, "built", `${service}.js`), "utf8")).toBe(`import "../services/${service}/dist/bin/main.js";\n`);
      expect(existsSync(join(out, "services", service, "dist", "bin", "main.js")), service).toBe(true);
      expect(existsSync(join(out, "services", service, "dist", "bin", "main.js.map")), service).toBe(true);
    }
    expect(readFileSync(join(out, "built", "stack.js"), "utf8")).toContain("[stack]");
    // Both services' migrations found from one bundle: each module keeps its own place in the layout.
    const combined = readFileSync(join(out, "built", "admin-orchestrator.js"), "utf8");
    for (const service of ["admin", "orchestrator"]) expect(combined).toContain(`"../services/${service}/src/db/database.ts"`);
  });

  it("puts each service's own files where its bundle looks for them, and ESM package.json files on the way", () => {
    for (const service of ["admin", "orchestrator"]) expect(existsSync(join(out, "services", service, "drizzle", "meta", "_journal.json")), service).toBe(true);
    expect(existsSync(join(out, "services", "model-fetcher", "presets.json"))).toBe(true);
    for (const service of services) expect(JSON.parse(readFileSync(join(out, "services", service, "package.json"), "utf8")).type, service).toBe("module");
    const release = JSON.parse(readFileSync(join(out, "package.json"), "utf8")) as { type: string; version: string };
    expect(release).toMatchObject({ type: "module", version: JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version });
  });

  it("compiles our own packages in and imports only what the services' production dependencies install", () => {
    expect(externals).toContain("node-llama-cpp");
    expect(externals.filter((name) => name.startsWith("@lantern/"))).toEqual([]);
    const installed = new Set([...services.map((s) => `services/${s}`), "shared"].flatMap(dependencies));
    expect(externals.filter((name) => !installed.has(name))).toEqual([]);
  });

  it("names a package by its import", () => {
    expect(packageName("@nats-io/jetstream/internal")).toBe("@nats-io/jetstream");
    expect(packageName("hono/streaming")).toBe("hono");
    expect(packageName("zod")).toBe("zod");
  });
});
