export { loadAdminConfig } from "./config.js";
export { startAdmin, type RunningAdmin } from "./admin-service.js";
