export { FetcherConfig, loadFetcherConfig } from "./config.js";
export { startModelFetcher, type ModelFetcher, type StartModelFetcherOptions } from "./fetcher-service.js";
export { findPreset, ModelPreset, presetCatalogue, type PresetLookup } from "./presets/preset-catalogue.js";
