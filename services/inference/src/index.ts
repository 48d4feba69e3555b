export { loadInferenceConfig, defaultContexts, defaultThreads } from "./config.js";
export { startWorker, type RunningWorker } from "./worker.js";
export { startSyntheticWorker } from "./synthetic/synthetic-engine.js";
export { evaluationSettings, modelHeadSize, type EvaluationSettings } from "./models/context-layout.js";
export { loadLlama } from "./models/load-llama.js";
export { loadServedModel, type ServedModel } from "./models/served-model.js";
export { GrammarCache } from "./models/grammar-cache.js";
export { generate, prepareGeneration } from "./generation/generate.js";
