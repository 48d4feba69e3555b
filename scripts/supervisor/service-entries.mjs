// Each service's TypeScript entry, relative to the checkout: what the supervisor runs through tsx,
// and what the checkout build bundles into `<name>.js` under LANTERN_BUILT_DIR. Plain JavaScript,
// so the build script can read it before anything is compiled.
export const SERVICE_ENTRIES = Object.freeze({
  admin: "services/admin/src/main.ts",
  gateway: "services/gateway/src/main.ts",
  inference: "services/inference/src/main.ts",
  "model-fetcher": "services/model-fetcher/src/main.ts",
  orchestrator: "services/orchestrator/src/main.ts",
  // The embedded default's admin and orchestrator in one process, on one embedded database.
  "admin-orchestrator": "scripts/services/admin-orchestrator.ts",
});
