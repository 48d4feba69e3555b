export { FetcherConfig } from "./config.js";
export { startModelFetcher, type ModelFetcher } from "./fetcher-service.js";
