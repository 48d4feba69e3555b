export { loadOrchestratorConfig } from "./config.js";
export { startOrchestrator, type RunningOrchestrator } from "./orchestrator-service.js";
