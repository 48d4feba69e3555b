import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Lantern-Signature";
export const TIMESTAMP_HEADER = "X-Lantern-Timestamp";

/**
 * `sha256=` + hex HMAC-SHA256, keyed with the webhook secret, of `<timestamp>.<raw body>`, where
 * the timestamp is the `X-Lantern-Timestamp` header (Unix seconds). Signing the time with the body
 * lets a receiver refuse an old delivery replayed at it.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does: recompute and compare in constant time (and check the timestamp is recent). */
export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return /^\d+$/.test(timestamp) && expected.length === given.length && timingSafeEqual(expected, given);
}
