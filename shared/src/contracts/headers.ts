/** NATS header names carried on inference jobs. */
export const JobHeader = {
  requestId: "Lantern-Request-Id",
  deadline: "Lantern-Deadline",
  traceParent: "traceparent",
} as const;
