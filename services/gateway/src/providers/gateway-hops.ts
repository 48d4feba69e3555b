import { HttpHeader } from "@lantern/shared/contracts";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "../errors/api-error.js";

/** How many Lantern gateways a request passed through before the one reading it (0: from a client). */
export const HOPS_HEADER = HttpHeader.hops;

/** More gateways than any chain of them needs: past it, a provider or route leads back into a loop. */
export const MAX_HOPS = 8;

export function hopsOf(headers: IncomingHttpHeaders): number {
  const value = headers[HOPS_HEADER];
  const hops = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(hops) && hops > 0 ? hops : 0;
}

export const loopDetected = (hops: number) =>
  new ApiError(
    508,
    "server_error",
    `This request has already passed through ${hops} Lantern gateways: an upstream provider or a route leads back to a gateway that sends it on again.`,
    { code: "loop_detected" },
  );
