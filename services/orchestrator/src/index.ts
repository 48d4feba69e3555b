export { OrchestratorConfig, loadOrchestratorConfig } from "./config.js";
export { startOrchestrator, type RunningOrchestrator, type StartOrchestratorOptions } from "./orchestrator-service.js";
