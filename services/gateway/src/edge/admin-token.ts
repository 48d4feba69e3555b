import { timingSafeEqual } from "node:crypto";

const isLoopback = (address: string | undefined) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

/** Why an admin-only call is refused: `remote` (no token is configured and the caller is not on this machine), `token` (missing or wrong). */
export type AdminRefusal = "remote" | "token";

/**
 * The gateway's admin check: the configured GATEWAY_ADMIN_TOKEN, compared in constant time, or,
 * with none configured, a caller on this machine. Null when the call may go on.
 */
export function adminRefusal(sent: string | undefined, configured: string | undefined, remoteAddress: string | undefined): AdminRefusal | null {
  if (!configured) return isLoopback(remoteAddress) ? null : "remote";
  const given = Buffer.from(sent ?? "");
  const wanted = Buffer.from(configured);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? null : "token";
}

/** The token of an `Authorization: Bearer <token>` header. */
export const bearerToken = (authorization: string | undefined) => /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1];
