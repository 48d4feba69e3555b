import type { Priority } from "@lantern/shared/contracts";

/** At or above this, a SOP priority (0-100, default 1) is Lantern's `high` class. */
export const SOP_HIGH_FROM = 10;
/** Below this it is `low`; between the two, `normal` (the executor's default, 1.0, is normal). */
export const SOP_NORMAL_FROM = 1;

/**
 * The executor orders tasks by a number; Lantern's queues have three classes, each taken before
 * the next and oldest first within one. [0, 1) → low, [1, 10) → normal, [10, 100] → high.
 */
export function priorityClass(priority: number): Priority {
  if (priority >= SOP_HIGH_FROM) return "high";
  return priority >= SOP_NORMAL_FROM ? "normal" : "low";
}
