import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_CHARS = 40;

/** `lk-` and 40 base62 characters (~238 bits), drawn without modulo bias. */
export function newKeySecret(): string {
  let out = "";
  while (out.length < SECRET_CHARS) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (byte < 248 && out.length < SECRET_CHARS) out += BASE62[byte % 62];
    }
  }
  return `lk-${out}`;
}

/** Enough of a secret for people to tell keys apart, too little to guess the rest. */
export function keyPrefixOf(secret: string): string {
  return secret.slice(0, 7);
}
