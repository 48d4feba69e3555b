export * from "./connect.js";
export * from "./on-reconnect.js";
export * from "./local-server.js";
export * from "./resources.js";
export * from "./model-store.js";
export * from "./server-urls.js";
export * from "./bounded.js";
export * from "./usage-outbox.js";
