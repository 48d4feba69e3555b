import { bearerSecret } from "../edge/caller-auth.js";

/** A socket's API key: the `key` query parameter (browsers cannot set headers on a WebSocket), else the bearer header. */
export function socketKey(query: string | undefined, authorization: string | undefined): string | null {
  return query || bearerSecret(authorization);
}
