import { z } from "zod";

/** Most digests a slot advertises: the deepest of its prompt's chain (see `promptPrefixDigests`). */
export const MAX_SLOT_DIGESTS = 64;

/** A slot of a model on a worker: whether a job runs on it, and the digest chain of the prompt its cache holds. */
export const SlotHoldings = z.object({
  busy: z.boolean(),
  digests: z.array(z.string().min(1).max(64)).max(MAX_SLOT_DIGESTS),
});
export type SlotHoldings = z.infer<typeof SlotHoldings>;

/**
 * What the slots of one model hold on one worker, published on `prefix.<model>` (core NATS)
 * whenever a job starts or ends there and with every heartbeat. A gateway that follows these
 * offers a request first to the worker whose free slot holds most of its prompt.
 */
export const PrefixHoldings = z.object({
  v: z.literal(1),
  workerId: z.string().min(1),
  model: z.string().min(1),
  /** The worker's clock when it published; a holder silent for a while is forgotten. */
  at: z.number().int(),
  slots: z.array(SlotHoldings).max(256),
});
export type PrefixHoldings = z.infer<typeof PrefixHoldings>;
