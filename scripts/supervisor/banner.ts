/** What `npm start` prints once the stack is ready: where everything is and what to try next. */

export interface BannerFacts {
  baseUrl: string;
  adminUrl: string | undefined;
  adminTokenSet: boolean;
  /** Each worker's name and metrics URL. */
  workers: { name: string; metricsUrl: string | undefined }[];
}

export function readyBanner({ baseUrl: base, adminUrl: admin, adminTokenSet, workers }: BannerFacts): string {
  const adminAuth = adminTokenSet ? "(Authorization: Bearer $ADMIN_TOKEN)" : "(open: loopback only, no ADMIN_TOKEN)";
  const workerList = workers.map((w) => (w.metricsUrl ? `${w.name} (${w.metricsUrl})` : w.name)).join(", ");
  return `
Lantern is ready.
  Web app                ${base}/   (chat; ${base}/monitor; ${base}/keys)   dev with hot reload: npm run web:dev
  OpenAI-compatible API  ${base}/v1   (model: stories260K)
  Health                 ${base}/healthz   ${base}/readyz   fleet: ${base}/fleet
${admin ? `  Admin API              ${admin}/api   ${adminAuth}\n  Admin docs             ${admin}/docs   (OpenAPI: ${admin}/openapi.json)\n` : ""}  Workers                ${workerList}   add one: npm run worker (here or on another host with NATS_URL)
  Models                 npm run models -- pull <preset>   (npm run models -- presets lists them; HF_TOKEN for gated repos)
  Pipelines              ${base}/v1/pipelines   (npm run pipeline -- run story-council --input "Once upon a time")
  Try:  curl ${base}/v1/chat/completions -H 'content-type: application/json' \\
          -d '{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}]}'
Press Ctrl-C to stop (or npm stop from another terminal).
`;
}
