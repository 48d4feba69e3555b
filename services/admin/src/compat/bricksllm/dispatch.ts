/*
 * Which requests on paths Lantern and BricksLLM share are BricksLLM's: its clients call the same
 * admin port with their own shapes. PUT on keys and provider settings is only BricksLLM's; on the
 * other methods a request is BricksLLM's when it carries something only BricksLLM sends.
 * (docs/bricksllm.md lists these rules.)
 */

type Query = Record<string, string[] | undefined>;

const has = (query: Query, name: string) => (query[name]?.length ?? 0) > 0;

/** Lantern's own key list parameters: with any of them the list is Lantern's. */
const LANTERN_KEY_LIST = ["name", "revoked", "limit", "offset"];

/** `GET /api/key-management/keys`: BricksLLM's filters (`keyIds`, `tags`, `provider`, or `tag` alone) make it BricksLLM's. */
export function isBricksKeyList(query: Query): boolean {
  if (["keyIds", "tags", "provider"].some((name) => has(query, name))) return true;
  return has(query, "tag") && !LANTERN_KEY_LIST.some((name) => has(query, name));
}

/** Fields of a BricksLLM key update that Lantern's own update does not have. */
const BRICKS_KEY_FIELDS = new Set([
  "rateLimitOverTime",
  "rateLimitUnit",
  "costLimitInUsd",
  "costLimitInUsdOverTime",
  "costLimitInUsdUnit",
  "ttl",
  "settingId",
  "settingIds",
  "revoked",
  "revokedReason",
  "keyId",
  "key",
  "createdAt",
  "updatedAt",
  "shouldLogRequest",
  "shouldLogResponse",
  "rotationEnabled",
  "policyId",
  "isKeyNotHashed",
]);

/** Keys Lantern makes itself have ids of this form; a BricksLLM key's id is its `keyId` (or a UUID). */
const LANTERN_KEY_ID = /^key_/;

/**
 * `PATCH /api/key-management/keys/{id}`: BricksLLM's for a key made through BricksLLM's create, or
 * a body with a field only BricksLLM has, or `allowedPaths` as `{path, method}` objects.
 */
export function isBricksKeyUpdate(id: string, body: unknown): boolean {
  if (!LANTERN_KEY_ID.test(id)) return true;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const fields = body as Record<string, unknown>;
  if (Object.keys(fields).some((name) => BRICKS_KEY_FIELDS.has(name))) return true;
  return Array.isArray(fields.allowedPaths) && fields.allowedPaths.some((entry) => typeof entry === "object" && entry !== null);
}

/** `POST /api/provider-settings`: a body naming BricksLLM's `provider` or `setting` is BricksLLM's. */
export function isBricksProviderSetting(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  return "provider" in body || "setting" in body;
}

/** `GET /api/provider-settings`: BricksLLM's with `ids`. */
export const isBricksProviderSettingList = (query: Query): boolean => has(query, "ids");

/** `GET /api/events`: BricksLLM's filters (`keyIds`, `customId`, `userId`) make it BricksLLM's. */
export const isBricksEventList = (query: Query): boolean => ["keyIds", "customId", "userId"].some((name) => query[name] !== undefined);
