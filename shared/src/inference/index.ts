export * from "./fresh-output.js";
export * from "./inference-call.js";
export * from "./inference-client.js";
export * from "./job-watch.js";
export * from "./reply-queue.js";
export * from "./reply-router.js";
export * from "./resumable-streams.js";
