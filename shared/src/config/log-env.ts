import { z } from "zod";

/** Unset or empty: the service picks (see shared/src/logging). */
export const LogFormatVar = z
  .preprocess((v) => (v === "" ? undefined : v), z.enum(["json", "pretty"]).optional())
  .meta({
    description: "`json` (one object per line) or `pretty` (one readable line per event, see [Logging](logging.md))",
    defaultText: "`pretty` when stdout is a terminal, else `json`",
  });

/** Env vars of the services that write a line per HTTP request (gateway, admin). */
export const requestLogEnv = {
  LOG_REQUESTS: z
    .preprocess((v) => (v === "" ? undefined : v), z.enum(["true", "false", "1", "0"]).optional())
    .transform((v) => (v === undefined ? undefined : v === "true" || v === "1"))
    .meta({
      description: "a line per HTTP request at `info` (`true`) or only at `debug` (`false`)",
      defaultText: "`true` with `LOG_FORMAT=json`, `false` with `pretty`",
    }),
};
