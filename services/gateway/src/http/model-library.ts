import { Hono } from "hono";
import type { GatewayEnv } from "../context/gateway-env.js";
import { forwardToAdmin } from "./admin-forward.js";

/** The admin paths the web app's Models page calls: the model library, presets, pulls and their events, the workers' model commands. */
const MODEL_LIBRARY_PATHS = ["/admin/api/models", "/admin/api/models/*", "/admin/api/workers", "/admin/api/workers/*", "/admin/api/model-presets"];

/**
 * Forwards the Models page's calls to the admin service on the pages' origin, as the keys page's
 * are: the admin token the page sends decides, and a pull's server-sent events stream through.
 */
export function modelLibraryRoutes(adminUrl: string | undefined) {
  const app = new Hono<GatewayEnv>();
  for (const path of MODEL_LIBRARY_PATHS) app.all(path, forwardToAdmin(adminUrl));
  return app;
}
