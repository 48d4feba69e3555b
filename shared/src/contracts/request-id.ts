import { randomBytes } from "node:crypto";

/** Request ids are subject-safe ([A-Za-z0-9_-]) so they can be the last token of a subject. */
export function newRequestId(prefix = "req"): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,96}$/;

export function isSafeRequestId(id: string): boolean {
  return REQUEST_ID.test(id);
}
