import type { Context, Hono } from "hono";
import { BricksProviderSettingCreate, ProviderName, type BricksProviderSetting } from "@lantern/shared/contracts";
import type { ProviderStore } from "../../providers/provider-store.js";
import type { KvProjection } from "../../projection/kv-projection.js";
import { isBricksProviderSetting, isBricksProviderSettingList } from "./dispatch.js";
import { readJson } from "./read-json.js";
import { renderProblem, validationProblem, zodProblem } from "./problem.js";

/*
 * A BricksLLM provider setting is Lantern's provider: its id is the provider's name, `setting.apikey`
 * its key, `setting.url` its base URL. Setting a provider that exists (such as the fleet's
 * `llama-cpp-root`) keeps its target and takes a new key only when one is given.
 */

const SETTINGS = "/api/provider-settings";
const TITLE = "provider setting validation failed";
/** Kinds whose address BricksLLM knows without a URL. */
const KNOWN_BASE: Record<string, string> = { openai: "https://api.openai.com/v1", deepinfra: "https://api.deepinfra.com/v1/openai" };
/** Kinds that speak no OpenAI chat API, which is all Lantern forwards. */
const NOT_OPENAI = new Set(["anthropic", "azure", "bedrock"]);

type Row = Awaited<ReturnType<ProviderStore["get"]>>;

/** The base URL a setting gives, if any: a known kind's, vLLM's `url` + `/v1`, or a custom provider's `url`. */
function baseUrlOf(setting: BricksProviderSettingCreate): string | undefined {
  const url = setting.setting.url?.replace(/\/+$/, "");
  if (KNOWN_BASE[setting.provider]) return KNOWN_BASE[setting.provider];
  if (setting.provider === "vllm") return url ? `${url}/v1` : undefined;
  return url;
}

function viewOf(row: Row, asked?: BricksProviderSettingCreate): BricksProviderSetting {
  return {
    id: row.name,
    name: asked?.name || row.name,
    provider: asked?.provider ?? row.name,
    setting: row.baseUrl ? { url: row.baseUrl } : {},
    allowedModels: asked?.allowedModels ?? [],
    createdAt: Math.floor(row.createdAt.getTime() / 1000),
    updatedAt: Math.floor(row.updatedAt.getTime() / 1000),
  };
}

async function putSetting(store: ProviderStore, projection: KvProjection, raw: unknown): Promise<BricksProviderSetting> {
  const parsed = BricksProviderSettingCreate.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error, TITLE);
  const asked = parsed.data;
  if (NOT_OPENAI.has(asked.provider)) throw validationProblem(TITLE, `provider '${asked.provider}': Lantern forwards OpenAI-compatible APIs only`);
  // A name that is a valid provider name keeps several settings of one kind apart; else the kind names it.
  const name = asked.name && ProviderName.safeParse(asked.name).success ? asked.name : asked.provider;
  const named = ProviderName.safeParse(name);
  if (!named.success) throw validationProblem(TITLE, `provider: ${named.error.issues[0]?.message ?? "invalid"}`);
  const baseUrl = baseUrlOf(asked);
  const apiKey = asked.setting.apikey;
  const existing = await store.find(name);
  let row: Row;
  if (existing) {
    const patch = { ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}) };
    row = Object.keys(patch).length > 0 ? await store.update(name, patch) : existing;
  } else {
    if (!baseUrl) throw validationProblem(TITLE, `setting.url: no provider '${name}' exists; give its OpenAI-compatible base URL (before /chat/completions)`);
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) throw validationProblem(TITLE, "setting.url: must be an http(s) URL");
    row = await store.create({ name, baseUrl, apiKey: apiKey ?? null, timeoutMs: 60_000 });
  }
  await projection.providerChanged(name);
  return viewOf(row, asked);
}

const answer = async (c: Context, work: () => Promise<unknown>) => {
  try {
    return c.json(await work(), 200);
  } catch (err) {
    return renderProblem(c, err, SETTINGS);
  }
};

/** BricksLLM's `PUT` (and `POST` with its body) and `GET ?ids=` on `/api/provider-settings`. */
export function bricksProviderSettingRoutes(app: Hono, deps: { providers: ProviderStore; projection: KvProjection }): void {
  app.put(SETTINGS, (c) => answer(c, async () => putSetting(deps.providers, deps.projection, await readJson(c))));
  app.post(SETTINGS, async (c, next) => {
    const body = await c.req.json().catch(() => undefined);
    if (!isBricksProviderSetting(body)) return next();
    return answer(c, () => putSetting(deps.providers, deps.projection, body));
  });
  app.get(SETTINGS, async (c, next) => {
    const query = c.req.queries();
    if (!isBricksProviderSettingList(query)) return next();
    return answer(c, async () => {
      const rows = await Promise.all((query.ids ?? []).map((id) => deps.providers.find(id)));
      return rows.filter((row): row is Row => row !== undefined).map((row) => viewOf(row));
    });
  });
}
