export * from "./http-telemetry.js";
export * from "./metrics-auth.js";
export * from "./metrics-registry.js";
export * from "./metrics-server.js";
export * from "./nats-trace-context.js";
export * from "./service-metrics.js";
export * from "./telemetry-env.js";
export * from "./tracing.js";
