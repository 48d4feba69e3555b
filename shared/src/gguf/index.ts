export * from "./gguf-summary.js";
