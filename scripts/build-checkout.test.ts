// `npm start`'s build: every entry the supervisor runs, npm packages found through a node_modules
// beside the bundles (each the very package its importer resolves), each module keeping its source's URL.
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { CHECKOUT_ENTRIES, buildCheckout, currentCheckoutBuild } from "./build-checkout.mjs";

it("bundles every entry the supervisor runs, reused while no source changed", async () => {
  const dir = await buildCheckout();
  for (const name of Object.keys(CHECKOUT_ENTRIES)) expect(existsSync(join(dir, `${name}.js`)), name).toBe(true);
  expect(Object.keys(CHECKOUT_ENTRIES)).toEqual(expect.arrayContaining(["stack", "admin-orchestrator", "gateway", "inference"]));
  expect(currentCheckoutBuild()).toBe(dir);

  const combined = readFileSync(join(dir, "admin-orchestrator.js"), "utf8");
  // Each service finds its own migrations from the one bundle.
  for (const service of ["admin", "orchestrator"]) expect(combined).toContain(`services/${service}/src/db/database.ts", import.meta.url)`);
  expect(combined).toMatch(/from "@electric-sql\/pglite"/);
  expect(readlinkSync(join(dir, "node_modules", "@electric-sql", "pglite"))).toMatch(/node_modules\/\.pnpm\/@electric-sql\+pglite@[^/]+\/node_modules\/@electric-sql\/pglite$/);
  expect(readFileSync(join(dir, "stack.js"), "utf8")).not.toMatch(/from "tsx/);
}, 60_000);
