export { AdminConfig, loadAdminConfig } from "./config.js";
export { startAdmin, type RunningAdmin } from "./admin-service.js";
export { createAdminApp } from "./app.js";
export { adminRouter, type AdminEnv } from "./http/admin-router.js";
export type { AdminDeps } from "./admin-deps.js";
