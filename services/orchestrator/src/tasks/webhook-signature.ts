import { HttpHeader } from "@lantern/shared/contracts";
import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = HttpHeader.webhookSignature;
export const TIMESTAMP_HEADER = HttpHeader.webhookTimestamp;

/**
 * `sha256=` + hex HMAC-SHA256, keyed with the webhook secret, of `<timestamp>.<raw body>`, where
 * the timestamp is the `X-Lantern-Timestamp` header (Unix seconds). Signing the time with the body
 * lets a receiver refuse an old delivery replayed at it.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}
