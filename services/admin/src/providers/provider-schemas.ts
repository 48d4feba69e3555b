import { z } from "@hono/zod-openapi";
import { ProviderName } from "@lantern/shared/contracts";

const Timestamp = z.iso.datetime({ offset: true });
/** The gateway appends `/chat/completions`, so a trailing slash would double it. */
const BaseUrl = z
  .url({ protocol: /^https?$/, error: "baseUrl must be an http(s) URL" })
  .transform((u) => u.replace(/\/+$/, ""))
  .nullable()
  .openapi({ example: "https://api.openai.com/v1", description: "Ends before `/chat/completions`; null: the worker fleet under this provider's name." });
const ApiKey = z.string().min(1).max(4096).nullable().openapi({ description: "Write-only: sent upstream as a bearer token, never returned." });
const TimeoutMs = z.number().int().positive().max(600_000);

export const ProviderCreate = z
  .strictObject({
    name: ProviderName,
    baseUrl: BaseUrl,
    apiKey: ApiKey.default(null),
    timeoutMs: TimeoutMs.default(60_000),
  })
  .openapi("ProviderCreate");
export type ProviderCreate = z.output<typeof ProviderCreate>;

export const ProviderUpdate = z.strictObject({ baseUrl: BaseUrl, apiKey: ApiKey, timeoutMs: TimeoutMs }).partial().openapi("ProviderUpdate");
export type ProviderUpdate = z.output<typeof ProviderUpdate>;

export const ProviderView = z
  .object({
    name: z.string(),
    baseUrl: z.string().nullable(),
    hasApiKey: z.boolean(),
    timeoutMs: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Provider");
export type ProviderView = z.output<typeof ProviderView>;

export const ProviderList = z.object({ data: z.array(ProviderView) }).openapi("ProviderList");

export const ProviderNameParam = z.object({ name: z.string().min(1).max(63).openapi({ param: { name: "name", in: "path" } }) });
