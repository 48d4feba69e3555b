export * from "./open-database.js";
export * from "./test-database.js";
export * from "./embedded-pglite.js";
