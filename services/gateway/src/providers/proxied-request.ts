import type { JsonObjectBody } from "../context/read-body.js";
import type { UpstreamEndpoint } from "./upstream-client.js";

/** Fields that only this platform understands, never sent to an upstream. */
const LANTERN_ONLY_FIELDS = ["priority"] as const;

/** A client's request on its way to an upstream. */
export interface ProxiedRequest {
  endpoint: UpstreamEndpoint;
  body: JsonObjectBody;
  stream: boolean;
  /** The client asked for the trailing usage chunk. */
  includeUsage: boolean;
}

export function proxiedRequest(endpoint: UpstreamEndpoint, body: JsonObjectBody): ProxiedRequest {
  const stream = body.object.stream === true;
  const options = body.object.stream_options as { include_usage?: unknown } | null | undefined;
  return { endpoint, body, stream, includeUsage: stream && options?.include_usage === true };
}

/**
 * The body to send upstream: the client's own bytes when nothing changes, otherwise with the
 * model of a route step, without this platform's own fields, and (for a stream) asking for the
 * usage chunk, so that the real usage is known even when the client did not ask for it.
 */
export function upstreamBody(req: ProxiedRequest, model?: string): string {
  const { object, text } = req.body;
  const renamed = model !== undefined && model !== object.model;
  const ownFields = LANTERN_ONLY_FIELDS.some((field) => field in object);
  const usageToAsk = req.stream && !req.includeUsage;
  if (!renamed && !ownFields && !usageToAsk) return text;
  const sent: Record<string, unknown> = { ...object };
  if (renamed) sent.model = model;
  for (const field of LANTERN_ONLY_FIELDS) delete sent[field];
  if (usageToAsk) sent.stream_options = { ...(object.stream_options as object | null | undefined), include_usage: true };
  return JSON.stringify(sent);
}
