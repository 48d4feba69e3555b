export * from "./fake-hub.js";
export * from "./fetcher-harness.js";
