export { FetcherConfig, loadFetcherConfig } from "./config.js";
export { startModelFetcher, type ModelFetcher, type StartModelFetcherOptions } from "./fetcher-service.js";
