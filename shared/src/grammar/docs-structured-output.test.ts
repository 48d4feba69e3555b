import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JSON_TYPES, KEYWORDS_BY_TYPE } from "./json-schema-keywords.js";

// The keyword table in docs/structured-output.md is the code's own list: a keyword added or
// dropped here without the page fails this test.
const page = readFileSync(new URL("../../../docs/structured-output.md", import.meta.url), "utf8");

describe("docs/structured-output.md", () => {
  it("lists exactly the keywords the converter enforces, per type", () => {
    const table = page.slice(page.indexOf("<!-- keyword-table"), page.indexOf("<!-- /keyword-table -->"));
    for (const type of JSON_TYPES) {
      const row = table.split("\n").find((line) => line.startsWith(`| ${type} |`));
      expect(row, `a row for ${type}`).toBeDefined();
      const listed = [...row!.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      expect(listed).toEqual([...KEYWORDS_BY_TYPE[type]]);
    }
  });
});
