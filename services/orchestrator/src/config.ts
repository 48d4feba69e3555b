import { join } from "node:path";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";

const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

export const OrchestratorConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  ...metricsServerEnv,
  ORCHESTRATOR_DATABASE_URL: optionalString.describe(
    "a Postgres server for runs (may be admin's database: the tables differ); unset: `DATABASE_URL`; neither: embedded PGlite under `LANTERN_DATA_DIR/db`, shared with admin (each its own tables)",
  ),
  DATABASE_URL: optionalString.describe("a Postgres server for runs when `ORCHESTRATOR_DATABASE_URL` is unset"),
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")).describe("local state: the embedded database, the generated webhook key"),
  PIPELINES_DIR: z.string().default(join(process.cwd(), "pipelines")).describe("`models.yaml` and the pipeline definitions, one file each"),
  MODELS_DIR: z.string().default(join(process.cwd(), "models")).describe("where model files are looked for when `models.yaml` names no `models_directory`"),
  ORCHESTRATOR_CONCURRENT_RUNS: intVar(4, { min: 1, max: 256 }).describe("runs one orchestrator executes at once"),
  ORCHESTRATOR_RUN_ATTEMPTS: intVar(3, { min: 1, max: 100 }).describe("tries of a run (each from its checkpoints) before it is failed"),
  ORCHESTRATOR_RETRY_DELAY_MS: intVar(2_000, { min: 0 }).describe("wait before a failed run is tried again"),
  ORCHESTRATOR_QUEUE_TIMEOUT_MS: intVar(60_000, { min: 1 }).describe("how long a model call may wait for a free slot"),
  ORCHESTRATOR_STALL_TIMEOUT_MS: intVar(60_000, { min: 100 }).describe("how long a started model call may go without any reply"),
  ORCHESTRATOR_PREFIX_AFFINITY_MS: intVar(50, { min: 0, max: 1_000 }).describe("as `GATEWAY_PREFIX_AFFINITY_MS`, for pipeline stages and tasks; `0`: no preference"),
  ORCHESTRATOR_RUN_ACK_WAIT_MS: intVar(30_000, { min: 1_000 }).describe("a run whose orchestrator stopped confirming it this long goes to another"),
  ORCHESTRATOR_LIMIT_WAIT_MS: intVar(60_000, { min: 0 }).describe(
    "the longest a task's or run's model call waits for its key's limits to have room (a window rolling over, a slot freeing); a longer refusal (or a spent budget) fails the call",
  ),
  ORCHESTRATOR_LIMIT_HOLD_MS: intVar(15 * 60_000, { min: 1_000 }).describe(
    "a key's concurrency slot taken by a model call lapses after this long when its orchestrator died holding it",
  ),
  ORCHESTRATOR_TASK_CONCURRENCY: intVar(2, { min: 0, max: 256 }).describe("tasks one orchestrator runs at once; `0` answers the API but runs none"),
  ORCHESTRATOR_TASK_LEASE_MS: intVar(30_000, { min: 1_000 }).describe("a task whose orchestrator stopped renewing its claim this long is taken by another"),
  ORCHESTRATOR_TASK_POLL_MS: intVar(2_000, { min: 50 }).describe(
    "how often idle runners look for tasks besides the doorbell (and for due webhooks, and tasks whose lease ran out)",
  ),
  ORCHESTRATOR_TASK_ATTEMPTS: intVar(3, { min: 1, max: 100 }).describe("takes of one task (after orchestrators died under it) before it is failed"),
  TASK_RETENTION_HOURS: z
    .preprocess((v) => (v === undefined || v === "" ? 24 : v), z.coerce.number().positive())
    .describe("finished tasks are removed this many hours after their end (fractions allowed)"),
  RESPONSE_RETENTION_HOURS: z
    .preprocess((v) => (v === undefined || v === "" ? 720 : v), z.coerce.number().positive())
    .describe("responses of `/v1/responses` kept with `store` are removed this many hours after they were made (fractions allowed; OpenAI keeps them 30 days)"),
  TASK_SWEEP_INTERVAL_MS: intVar(60_000, { min: 50 }).describe("how often finished tasks and stored responses past their retention are removed"),
  TASK_WEBHOOK_SECRET: optionalString.describe(
    "key of the webhook signatures; unset: generated once into `LANTERN_DATA_DIR/task-webhook-secret` (set it when orchestrators run on several hosts, so all sign alike)",
  ),
  TASK_WEBHOOK_ATTEMPTS: intVar(5, { min: 1, max: 50 }).describe("deliveries of one webhook before it counts as failed"),
  TASK_WEBHOOK_BACKOFF_MS: intVar(1_000, { min: 10 }).describe("wait before the first retry of a webhook; doubled after each failure"),
  TASK_WEBHOOK_TIMEOUT_MS: intVar(10_000, { min: 100 }).describe("how long one webhook delivery may take"),
});
export type OrchestratorConfig = z.output<typeof OrchestratorConfig>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return parseEnv(OrchestratorConfig, env);
}
