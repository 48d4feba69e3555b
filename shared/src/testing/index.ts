export * from "./test-nats.js";
export * from "./wait-for.js";
export * from "./fake-fetcher.js";
export * from "./prometheus-text.js";
export * from "./stored-usage.js";
export { schemaValidator } from "./schema-validator.js";
export * from "./test-backends.js";
export * from "./nats-cluster.js";
