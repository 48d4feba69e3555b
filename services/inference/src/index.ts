export { loadInferenceConfig, InferenceConfig, defaultContexts, defaultThreads } from "./config.js";
export { startWorker, type RunningWorker } from "./worker.js";
export { startSyntheticWorker } from "./synthetic/synthetic-worker.js";
export { evaluationSettings, modelHeadSize, type EvaluationSettings } from "./models/context-layout.js";
