import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * The key webhook deliveries are signed with: TASK_WEBHOOK_SECRET when set, otherwise one generated
 * once and kept (owner-readable only) under the data dir, so signatures survive restarts.
 */
export async function webhookSecret(configured: string | undefined, dataDir: string): Promise<{ secret: string; source: string }> {
  if (configured) return { secret: configured, source: "TASK_WEBHOOK_SECRET" };
  const path = join(dataDir, "task-webhook-secret");
  try {
    const kept = (await readFile(path, "utf8")).trim();
    if (kept) return { secret: kept, source: path };
  } catch {
    // Not made yet.
  }
  const secret = randomBytes(32).toString("hex");
  await mkdir(dirname(path), { recursive: true });
  try {
    // `wx`: when another process on this data dir wrote one first, theirs is kept and read back.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return { secret, source: path };
  } catch {
    return { secret: (await readFile(path, "utf8")).trim(), source: path };
  }
}
