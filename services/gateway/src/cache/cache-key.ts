import { createHash } from "node:crypto";

/** Fields that change how an answer is delivered or scheduled, never what it says. */
const DELIVERY_FIELDS = new Set(["stream", "stream_options", "user", "priority"]);

/** JSON with object keys sorted and null/absent fields dropped, so equal requests print alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] != null)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cache key of a request: sha256 of whose it is (`owner`: the API key's id, null in open
 * mode), where it went (`scope`: the endpoint, and the provider for the custom path) and every
 * field of its body that can change the answer: model, messages or prompt, sampling, format,
 * tools, logprobs, n. Not `stream` (a hit replays either way), not `user`. Each key has its own
 * entries: a hit shared across keys would tell one key's holder what another's asked.
 */
export function cacheKey(owner: string | null, scope: string, request: Record<string, unknown>): string {
  const answerFields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) if (!DELIVERY_FIELDS.has(field)) answerFields[field] = value;
  return createHash("sha256")
    .update(owner === null ? "open" : `key:${owner}`)
    .update("\n")
    .update(scope)
    .update("\n")
    .update(canonicalJson(answerFields))
    .digest("hex");
}
