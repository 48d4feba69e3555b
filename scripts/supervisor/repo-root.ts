import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout (two levels above this file); in a bundle, the folder above the bundle's. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
