/** NATS header names carried on inference jobs. */
export const JobHeader = {
  requestId: "Lantern-Request-Id",
  deadline: "Lantern-Deadline",
  /** A job in a worker's lane (see `inferLaneJob`): epoch ms until which other workers leave it to that one. */
  preferredUntil: "Lantern-Prefer-Until",
  traceParent: "traceparent",
} as const;

/** HTTP headers Lantern adds to its answers and webhook deliveries (lower case, as Node reads them). */
export const HttpHeader = {
  /** `hit`, `miss` or `bypass`: what the response cache did. */
  cache: "x-lantern-cache",
  /** The workers that served a request. */
  worker: "x-lantern-worker",
  /** The upstream provider that served a routed request. */
  provider: "x-lantern-provider",
  /** On a resumed stream: the request it resumes. */
  resumed: "x-lantern-resumed",
  /** Gateways a request has passed through (a route pointing back at a gateway cannot loop). */
  hops: "x-lantern-hops",
  conversationHistory: "x-lantern-conversation-history",
  conversationDropped: "x-lantern-conversation-dropped",
  webhookSignature: "x-lantern-signature",
  webhookTimestamp: "x-lantern-timestamp",
  webhookTaskId: "x-lantern-task-id",
  webhookAttempt: "x-lantern-delivery-attempt",
} as const;
