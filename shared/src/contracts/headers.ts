/** NATS header names carried on inference jobs. */
export const JobHeader = {
  requestId: "Lantern-Request-Id",
  deadline: "Lantern-Deadline",
  /** A job in a worker's lane (see `inferLaneJob`): epoch ms until which other workers leave it to that one. */
  preferredUntil: "Lantern-Prefer-Until",
  traceParent: "traceparent",
} as const;
