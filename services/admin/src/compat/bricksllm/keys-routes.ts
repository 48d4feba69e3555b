import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import { BricksKeyCreate, BricksKeyUpdate, KeyCreate, type BricksKey } from "@lantern/shared/contracts";
import type { KeyRow, KeyStore } from "../../keys/key-store.js";
import type { ProviderStore } from "../../providers/provider-store.js";
import type { KvProjection } from "../../projection/kv-projection.js";
import { isBricksKeyList, isBricksKeyUpdate } from "./dispatch.js";
import { bricksKeyOf, keyCreateOf, keyUpdateOf, settingIdsOf } from "./key-translation.js";
import { readJson } from "./read-json.js";
import { ProblemError, renderProblem, validationProblem, zodProblem } from "./problem.js";

const KEYS = "/api/key-management/keys";
const TITLE = "key validation failed";
/** Lantern's own fields named in its errors, as the BricksLLM field that set them. */
const BRICKS_FIELD: Record<string, string> = { rateLimits: "rateLimitOverTime", budget: "costLimitInUsd", expiresAt: "ttl" };

interface KeyDeps {
  keys: KeyStore;
  providers: ProviderStore;
  projection: KvProjection;
}

/** Each setting a key names must exist: in Lantern a setting is a provider (its id is the provider's name). */
async function checkSettings(providers: ProviderStore, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    if (!(await providers.find(id))) throw validationProblem(TITLE, `settingIds[${i}]: no provider setting '${id}'`);
  }
}

async function createKey(deps: KeyDeps, raw: unknown): Promise<BricksKey> {
  const parsed = BricksKeyCreate.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error, TITLE);
  const key = parsed.data;
  if (key.keyId?.startsWith("key_")) throw validationProblem(TITLE, "keyId: ids starting with 'key_' are Lantern's own");
  if (key.keyId && (await deps.keys.find(key.keyId))) throw new ProblemError(409, "/errors/key-exists", "key already exists", `a key with keyId '${key.keyId}' exists`);
  await checkSettings(deps.providers, settingIdsOf(key));
  const lantern = KeyCreate.safeParse(keyCreateOf(key));
  if (!lantern.success) {
    const fields = lantern.error.issues.map((issue) => `${[BRICKS_FIELD[String(issue.path[0])] ?? issue.path[0], ...issue.path.slice(1)].join(".")} (${issue.message})`);
    throw validationProblem(TITLE, `fields [${fields.join(", ")}] are invalid`);
  }
  const { row, secret } = await deps.keys.create(lantern.data, key.keyId ?? randomUUID());
  const final = key.revoked ? await deps.keys.revoke(row.id) : row;
  await deps.projection.keyChanged(row.id);
  return bricksKeyOf(final, secret);
}

async function updateKey(deps: KeyDeps, id: string, raw: unknown): Promise<BricksKey> {
  const parsed = BricksKeyUpdate.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error, TITLE);
  const current = await deps.keys.get(id);
  await checkSettings(deps.providers, settingIdsOf(parsed.data));
  const patch = keyUpdateOf(parsed.data, current);
  let row = Object.keys(patch).length > 0 ? await deps.keys.update(id, patch) : current;
  if (parsed.data.revoked === true) row = await deps.keys.revoke(id);
  await deps.projection.keyChanged(id);
  return bricksKeyOf(row);
}

/** BricksLLM's filters: the keys carrying every tag given, among the ids given; `provider` narrows nothing (any key may use any provider). */
async function listKeys(store: KeyStore, query: Record<string, string[] | undefined>): Promise<BricksKey[]> {
  const tags = [...new Set([...(query.tag ?? []), ...(query.tags ?? [])].filter(Boolean))];
  const ids = query.keyIds?.filter(Boolean);
  let rows: KeyRow[];
  if (ids && ids.length > 0) rows = (await Promise.all(ids.map((id) => store.find(id)))).filter((row): row is KeyRow => row !== undefined);
  else rows = (await store.list({ tag: tags[0], limit: 1000, offset: 0 })).rows;
  return rows.filter((row) => tags.every((tag) => row.tags.includes(tag))).map((row) => bricksKeyOf(row));
}

const answer = async (c: Context, instance: string, work: () => Promise<unknown>) => {
  try {
    return c.json(await work(), 200);
  } catch (err) {
    return renderProblem(c, err, instance);
  }
};

/** BricksLLM's `PUT`, `GET` (with its filters) and `PATCH` on `/api/key-management/keys`. */
export function bricksKeyRoutes(app: Hono, deps: KeyDeps): void {
  app.put(KEYS, (c) => answer(c, KEYS, async () => createKey(deps, await readJson(c))));
  app.get(KEYS, async (c, next) => {
    const query = c.req.queries();
    if (!isBricksKeyList(query)) return next();
    return answer(c, KEYS, () => listKeys(deps.keys, query));
  });
  app.patch(`${KEYS}/:id`, async (c, next) => {
    const id = c.req.param("id");
    const body = await c.req.json().catch(() => undefined);
    if (!isBricksKeyUpdate(id, body)) return next();
    return answer(c, `${KEYS}/${id}`, async () => updateKey(deps, id, body ?? (await readJson(c))));
  });
}
