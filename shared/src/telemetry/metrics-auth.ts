import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether a scrape may read `/metrics`: always without METRICS_TOKEN (the usual private-port
 * setup), else only with `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization`
 * scrape setting). Digests are compared so the token's length does not leak through timing.
 */
export function metricsScrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(.+)$/i.exec((authorization ?? "").trim());
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}
