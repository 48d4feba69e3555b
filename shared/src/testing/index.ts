export * from "./test-nats.js";
export * from "./wait-for.js";
export * from "./fake-fetcher.js";
