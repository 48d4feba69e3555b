export * from "./test-nats.js";
