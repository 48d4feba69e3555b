export * from "./key-store.js";
export * from "./limit-periods.js";
export { emptyCounters, hasLimits, KeyCounters } from "./key-counters.js";
export * from "./limit-counters.js";
export * from "./counter-leases.js";
export * from "./limit-keeper.js";
export type { LimitStanding } from "./limit-standing.js";
export * from "./price-book.js";
export * from "./refusal-message.js";
