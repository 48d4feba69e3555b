import { isIP } from "node:net";
import { ConfigError } from "@lantern/shared/config";

/** Addresses only this machine can reach: 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

const OPEN_BIND_REFUSED =
  "ADMIN_TOKEN is required when ADMIN_HOST is not a loopback address: the admin API creates keys and reads every event. " +
  "Set ADMIN_TOKEN (16+ characters) or bind ADMIN_HOST=127.0.0.1.";

/** The admin API may run without a token only where nobody else can reach it. */
export function assertBindAllowed(config: { ADMIN_HOST: string; ADMIN_TOKEN?: string | undefined }): void {
  if (config.ADMIN_TOKEN === undefined && !isLoopbackHost(config.ADMIN_HOST)) throw new ConfigError(OPEN_BIND_REFUSED);
}
