export * from "./key-store.js";
export * from "./limit-counters.js";
export * from "./limit-keeper.js";
export * from "./price-book.js";
export * from "./refusal-message.js";
