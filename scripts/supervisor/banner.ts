/** What `npm start` prints once the stack is ready: where everything is and what to try next. */

export interface BannerFacts {
  baseUrl: string;
  adminUrl: string | undefined;
  adminTokenSet: boolean;
  /** Each worker's name and metrics URL. */
  workers: { name: string; metricsUrl: string | undefined }[];
  /** A checkout's `npm run` commands apply (not inside the container image, which runs built bundles). */
  checkout: boolean;
}

const COMMAND_HINTS = (base: string) => `  Models                 npm run models -- pull <preset>   (npm run models -- presets lists them; HF_TOKEN for gated repos)
  Pipelines              ${base}/v1/pipelines   (npm run pipeline -- run story-council --input "Once upon a time")
`;

export function readyBanner({ baseUrl: base, adminUrl: admin, adminTokenSet, workers, checkout }: BannerFacts): string {
  const adminAuth = adminTokenSet ? "(Authorization: Bearer $ADMIN_TOKEN)" : "(open: loopback only, no ADMIN_TOKEN)";
  const workerList = workers.map((w) => (w.metricsUrl ? `${w.name} (${w.metricsUrl})` : w.name)).join(", ");
  return `
Lantern is ready.
  Web app                ${base}/   (chat; /pipelines, /models, /usage, /monitor, /keys)${checkout ? "   dev with hot reload: npm run web:dev" : ""}
  OpenAI-compatible API  ${base}/v1   (model: stories260K)
  Health                 ${base}/healthz   ${base}/readyz   fleet: ${base}/fleet
${admin ? `  Admin API              ${admin}/api   ${adminAuth}\n  Admin docs             ${admin}/docs   (OpenAPI: ${admin}/openapi.json)\n` : ""}  Workers                ${workerList}${checkout ? "   add one: npm run worker (here or on another host with NATS_URL)" : ""}
${checkout ? COMMAND_HINTS(base) : ""}  Try:  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
          -d '{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}]}'
${checkout ? "Press Ctrl-C to stop (or npm stop from another terminal)." : ""}
`;
}
