export { loadInferenceConfig, InferenceConfig, defaultThreads } from "./config.js";
export { startWorker, type RunningWorker } from "./worker.js";
