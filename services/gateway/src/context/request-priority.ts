import type { Context } from "hono";
import { Priority } from "@lantern/shared/contracts";
import { invalidRequest } from "../errors/api-error.js";
import type { GatewayEnv } from "./gateway-env.js";
import { requestHeader } from "./request-header.js";

const PRIORITY_HEADER = "x-priority";

/**
 * The request's scheduling class: the body's `priority` or the `x-priority` header (normal when
 * neither is given). The two disagreeing is a mistake worth reporting, not a tie to break.
 */
export function requestPriority(c: Context<GatewayEnv>, fromBody: Priority | null | undefined): Priority {
  const header = requestHeader(c, PRIORITY_HEADER);
  let fromHeader: Priority | undefined;
  if (header !== undefined) {
    const parsed = Priority.safeParse(header.trim().toLowerCase());
    if (!parsed.success) {
      throw invalidRequest(`The ${PRIORITY_HEADER} header must be one of ${Priority.options.join(", ")}.`, "priority", "invalid_value");
    }
    fromHeader = parsed.data;
  }
  if (fromBody && fromHeader && fromBody !== fromHeader) {
    throw invalidRequest(`'priority' (${fromBody}) and the ${PRIORITY_HEADER} header (${fromHeader}) disagree.`, "priority", "invalid_value");
  }
  return fromBody ?? fromHeader ?? "normal";
}
