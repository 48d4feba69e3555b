import { z } from "zod";

/** The name a route step uses for this platform's own worker fleet. */
export const LOCAL_PROVIDER = "local";

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const ProviderName = z
  .string()
  .regex(PROVIDER_NAME, "provider names are lowercase letters, digits, '-' and '_' (at most 63)")
  .refine((name) => name !== LOCAL_PROVIDER, `'${LOCAL_PROVIDER}' is reserved for the worker fleet`);

/**
 * An OpenAI-compatible upstream (another llama-server, vLLM, OpenAI itself), projected by the admin
 * service into KV bucket `providers` under its name. `baseUrl` ends before `/chat/completions`
 * (e.g. `https://api.openai.com/v1`); null names this platform's own worker fleet under another
 * name (a BricksLLM custom provider such as `llama-cpp-root`), served like `/v1/chat/completions`.
 */
export const ProviderSetting = z.object({
  v: z.literal(1),
  name: ProviderName,
  baseUrl: z.url({ protocol: /^https?$/ }).nullable(),
  /** Sent as `Authorization: Bearer`; null for upstreams without auth. */
  apiKey: z.string().nullable(),
  /** How long one upstream call may take before it counts as failed. */
  timeoutMs: z.number().int().positive().max(600_000),
});
export type ProviderSetting = z.infer<typeof ProviderSetting>;

export const RouteStep = z.object({
  /** A provider name, or `local` for the worker fleet. */
  provider: z.string().min(1),
  /** The model name at that provider. */
  model: z.string().min(1),
  /** Overrides the provider's timeout for this step. */
  timeoutMs: z.number().int().positive().max(600_000).nullable(),
  /** Extra attempts at this step on 503, 429, 5xx or timeout before moving to the next. */
  retries: z.number().int().min(0).max(5),
});
export type RouteStep = z.infer<typeof RouteStep>;

/**
 * A public model name served by trying steps in order: e.g. the local pool first, an upstream when
 * the pool answers 503 or times out. Projected into KV bucket `routes` under the model's token.
 */
export const ModelRoute = z.object({
  v: z.literal(1),
  model: z.string().min(1),
  steps: z.array(RouteStep).min(1).max(8),
});
export type ModelRoute = z.infer<typeof ModelRoute>;
