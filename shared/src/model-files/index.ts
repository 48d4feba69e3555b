export * from "./list-model-files.js";
export * from "./local-models.js";
export * from "./manifest-files.js";
export * from "./near-names.js";
export * from "./file-digest.js";
export * from "./remove-local-model.js";
