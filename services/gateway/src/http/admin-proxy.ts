import { Hono } from "hono";
import type { GatewayEnv } from "../context/gateway-env.js";
import { forwardToAdmin } from "./admin-forward.js";

/**
 * Only what the web app's pages need goes through, nothing more of the admin API: key management
 * (Keys page), the usage events' aggregates and series (Usage page), and the model library,
 * presets, pulls with their events and the workers' model commands (Models page).
 */
const ADMIN_PROXY_PATHS = [
  "/admin/api/key-management/*",
  "/admin/api/events/*",
  "/admin/api/models",
  "/admin/api/models/*",
  "/admin/api/workers",
  "/admin/api/workers/*",
  "/admin/api/model-presets",
];

/**
 * Forwards the web app's admin calls to the admin service, on the same origin as the pages (the
 * admin keeps CORS closed); without `GATEWAY_ADMIN_URL` nothing is forwarded.
 */
export function adminProxyRoutes(adminUrl: string | undefined) {
  const routes = new Hono<GatewayEnv>();
  const forward = forwardToAdmin(adminUrl);
  for (const path of ADMIN_PROXY_PATHS) routes.all(path, forward);
  return routes;
}
