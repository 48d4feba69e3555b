import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_DOCS_PATH, CONFIG_SCHEMAS, configFields, renderConfigPage } from "../scripts/config-docs.js";

// docs/configuration.md's tables are rendered from the services' zod schemas (scripts/config-docs.ts):
// a variable added, renamed, dropped or redescribed in code without rerunning the generator fails here.
const page = readFileSync(CONFIG_DOCS_PATH, "utf8");
const services = readdirSync(new URL("../services", import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe("docs/configuration.md", () => {
  it("covers every service's config schema", () => {
    expect(Object.keys(CONFIG_SCHEMAS).sort()).toEqual([...services].sort());
  });

  it("has a description for every variable in the schemas", () => {
    const undescribed = Object.entries(CONFIG_SCHEMAS).flatMap(([service, schema]) =>
      configFields(schema).filter(([, field]) => !field.description?.trim()).map(([name]) => `${service}: ${name}`),
    );
    expect(undescribed, "give these a .describe() in their config schema").toEqual([]);
  });

  it("is what the generator renders from the schemas", () => {
    expect(page, "docs/configuration.md is stale: run `npm run docs:config`").toBe(renderConfigPage(page));
  });

  it("documents exactly the variables the services read", () => {
    const inCode = new Set(Object.values(CONFIG_SCHEMAS).flatMap((schema) => configFields(schema).map(([name]) => name)));
    expect(inCode.size).toBeGreaterThan(50);
    const rows = [...page.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(new Set(rows)).toEqual(inCode);
  });
});
