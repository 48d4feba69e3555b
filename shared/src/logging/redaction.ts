import type { Logger } from "pino";

/** Secret-bearing fields; censored at the top of a line, one level down, and in a `headers` object one level down. */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  "authorization",
  "Authorization",
  "apiKey",
  "api_key",
  "adminToken",
  "ADMIN_TOKEN",
  "HF_TOKEN",
  "hfToken",
  "METRICS_TOKEN",
  "secret",
  "webhookSecret",
  "webhook_secret",
  "password",
]);

/** In a `headers` object a key may also come as `x-api-key`. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([...SECRET_FIELDS, "x-api-key"]);

const REDACTED = "[redacted]";

type Fields = Record<string, unknown>;

/** An object whose own fields are worth looking into: not an array, a buffer, a map or a date. */
function isRecord(value: unknown): value is Fields {
  if (typeof value !== "object" || value === null) return false;
  return !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map) && !(value instanceof Set) && !(value instanceof Date);
}

/** A copy to censor; an error stays an error of its class, with its message and stack. */
function copyOf(fields: Fields): Fields {
  if (!(fields instanceof Error)) return { ...fields };
  return Object.defineProperties(Object.create(Object.getPrototypeOf(fields)), Object.getOwnPropertyDescriptors(fields)) as Fields;
}

/**
 * `fields` with each of `secrets` censored, and (when `depth` allows) the same one level further
 * down; the object itself when nothing in it is secret, so a line without secrets costs no copy.
 * pino's own `redact` option re-parses its paths on every field of every line (about 250 KiB
 * allocated per request in the gateway): this walks a line's two levels once.
 */
function censor(fields: Fields, secrets: ReadonlySet<string>, depth: number): Fields {
  let copy: Fields | undefined;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    let censored = value;
    if (secrets.has(key)) censored = value === undefined ? value : REDACTED;
    else if (isRecord(value)) {
      if (key === "headers") censored = censor(value, SECRET_HEADERS, 0);
      else if (depth > 0) censored = censor(value, SECRET_FIELDS, depth - 1);
    }
    if (censored === value) continue;
    copy ??= copyOf(fields);
    copy[key] = censored;
  }
  return copy ?? fields;
}

/**
 * A log line's fields (or a child logger's bindings) with keys, tokens, secrets and auth headers
 * censored: at the top, one level down, and in a `headers` object at either.
 */
export function withoutSecrets(fields: Fields): Fields {
  return censor(fields, SECRET_FIELDS, 1);
}

/**
 * Censors the bindings of every child of `root` (and theirs): pino applies its `bindings`
 * formatter to the root's own bindings only, and children are made from the root's prototype.
 */
export function censorChildBindings(root: Logger): void {
  const child = root.child;
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, withoutSecrets(bindings), options);
  } as Logger["child"];
}
