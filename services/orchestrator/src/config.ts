import { join } from "node:path";
import { z } from "zod";
import { intVar, natsEnv, parseEnv } from "@lantern/shared/config";
import { metricsServerEnv, telemetryEnv } from "@lantern/shared/telemetry";

const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

export const OrchestratorConfig = z.object({
  ...natsEnv,
  ...telemetryEnv,
  ...metricsServerEnv,
  /** A Postgres server for runs; unset: DATABASE_URL, and without that an embedded PGlite under LANTERN_DATA_DIR. */
  ORCHESTRATOR_DATABASE_URL: optionalString,
  DATABASE_URL: optionalString,
  LANTERN_DATA_DIR: z.string().default(join(process.cwd(), ".data")),
  /** Where `models.yaml` and one file per pipeline live. */
  PIPELINES_DIR: z.string().default(join(process.cwd(), "pipelines")),
  /** Where model files are looked for when `models.yaml` names no `models_directory`. */
  MODELS_DIR: z.string().default(join(process.cwd(), "models")),
  /** Runs one orchestrator executes at the same time. */
  ORCHESTRATOR_CONCURRENT_RUNS: intVar(4, { min: 1, max: 256 }),
  /** Times a run is tried (each try continues from its checkpoints) before it is marked failed. */
  ORCHESTRATOR_RUN_ATTEMPTS: intVar(3, { min: 1, max: 100 }),
  /** Wait before a failed run is tried again. */
  ORCHESTRATOR_RETRY_DELAY_MS: intVar(2_000, { min: 0 }),
  /** How long a model call may wait for a free slot. */
  ORCHESTRATOR_QUEUE_TIMEOUT_MS: intVar(60_000, { min: 1 }),
  /** How long a started model call may go without any reply. */
  ORCHESTRATOR_STALL_TIMEOUT_MS: intVar(60_000, { min: 100 }),
  /** Prefix affinity for pipeline stages and tasks, as GATEWAY_PREFIX_AFFINITY_MS for requests; 0: none. */
  ORCHESTRATOR_PREFIX_AFFINITY_MS: intVar(50, { min: 0, max: 1_000 }),
  /** How long a taken run may go unconfirmed before another orchestrator takes it over (this one died). */
  ORCHESTRATOR_RUN_ACK_WAIT_MS: intVar(30_000, { min: 1_000 }),
  /** The longest a model call waits for its key's limits to have room (a window rolling over, a slot freeing); longer refusals fail the call. */
  ORCHESTRATOR_LIMIT_WAIT_MS: intVar(60_000, { min: 0 }),
  /** A key's concurrency slot taken by a model call lapses after this long when its orchestrator died holding it. */
  ORCHESTRATOR_LIMIT_HOLD_MS: intVar(15 * 60_000, { min: 1_000 }),
  /** Tasks one orchestrator runs at the same time; 0 answers the API but runs none. */
  ORCHESTRATOR_TASK_CONCURRENCY: intVar(2, { min: 0, max: 256 }),
  /** How long a taken task stays claimed without a renewal (its orchestrator died: another takes it). */
  ORCHESTRATOR_TASK_LEASE_MS: intVar(30_000, { min: 1_000 }),
  /** How often idle runners look for work besides the doorbell (and find tasks whose lease ran out). */
  ORCHESTRATOR_TASK_POLL_MS: intVar(2_000, { min: 50 }),
  /** Times a task is taken (a dead orchestrator's task is taken again) before it is marked failed. */
  ORCHESTRATOR_TASK_ATTEMPTS: intVar(3, { min: 1, max: 100 }),
  /** Finished tasks are removed this many hours after they ended (fractions allowed). */
  TASK_RETENTION_HOURS: z.preprocess((v) => (v === undefined || v === "" ? 24 : v), z.coerce.number().positive()),
  /** How often finished tasks past their retention are removed. */
  TASK_SWEEP_INTERVAL_MS: intVar(60_000, { min: 50 }),
  /**
   * Key of the webhook signatures. Unset: one is generated and kept in LANTERN_DATA_DIR/task-webhook-secret
   * (set it explicitly when several orchestrators run on different hosts, so all sign alike).
   */
  TASK_WEBHOOK_SECRET: optionalString,
  /** Deliveries of one webhook before it counts as failed. */
  TASK_WEBHOOK_ATTEMPTS: intVar(5, { min: 1, max: 50 }),
  /** Wait before the first retry; doubled after each failure. */
  TASK_WEBHOOK_BACKOFF_MS: intVar(1_000, { min: 10 }),
  /** How long one delivery may take. */
  TASK_WEBHOOK_TIMEOUT_MS: intVar(10_000, { min: 100 }),
});
export type OrchestratorConfig = z.output<typeof OrchestratorConfig>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return parseEnv(OrchestratorConfig, env);
}
