/** How long one KV read or write, or one publish, may take before NATS counts as unreachable. */
export const NATS_TIMEOUT_MS = 5_000;

/**
 * Some requests issued while the connection is down never settle after a reconnect; a retry loop
 * awaiting one would stall for good. Bounds any NATS operation by NATS_TIMEOUT_MS (or `ms`).
 */
export async function bounded<T>(operation: Promise<T>, what: string, ms = NATS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
