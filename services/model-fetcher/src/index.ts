export { FetcherConfig, loadFetcherConfig } from "./config.js";
export { startModelFetcher, type ModelFetcher } from "./fetcher-service.js";
export { findPreset, presetCatalogue } from "./presets/preset-catalogue.js";
