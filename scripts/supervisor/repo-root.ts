import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The checkout: two levels above this file. Bundled, two levels above the bundle, which is the
 * package root where bundles sit in dist/bin/ (as scripts/build-service.mjs places them).
 */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
