import { createHash } from "node:crypto";

declare const modelTokenBrand: unique symbol;
/** A model name made safe to be one NATS subject token. Only {@link toModelToken} makes one. */
export type ModelToken = string & { readonly [modelTokenBrand]: true };

const UNSAFE = /[^a-z0-9_-]+/g;

/**
 * Maps any model name to a single subject token: a readable, sanitised prefix plus a digest of
 * the exact name, so "a.>" or "a b" can never become a wildcard or a new subject level, and two
 * names that sanitise alike still get different tokens.
 */
export function toModelToken(modelName: string): ModelToken {
  const readable = modelName.toLowerCase().replace(UNSAFE, "-").replace(/^-+|-+$/g, "").slice(0, 48);
  const digest = createHash("sha256").update(modelName).digest("hex").slice(0, 12);
  return `${readable || "model"}_${digest}` as ModelToken;
}
