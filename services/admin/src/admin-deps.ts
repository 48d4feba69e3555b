import type { NatsNames } from "@lantern/shared/contracts";
import type { Logger } from "@lantern/shared/logging";
import type { EdgeBuckets, NatsLink } from "@lantern/shared/nats";
import type { AdminConfig } from "./config.js";
import type { AdminDb } from "./db/database.js";

/** What every admin route and background part can reach, wired in main (no globals). */
export interface AdminDeps {
  config: AdminConfig;
  db: AdminDb;
  nats: NatsLink;
  names: NatsNames;
  buckets: EdgeBuckets;
  logger: Logger;
}
