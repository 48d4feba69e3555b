import { z } from "zod";
import { parseEnv } from "@lantern/shared/config";
import { CliError, GatewayApi } from "./gateway-api.js";
import { runCli } from "./pipeline-cli.js";

const CliEnv = z.object({
  GATEWAY_URL: z.string().url().default("http://127.0.0.1:8002"),
  LANTERN_API_KEY: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
});

try {
  const env = parseEnv(CliEnv, process.env);
  const api = new GatewayApi({ baseUrl: env.GATEWAY_URL.replace(/\/+$/, ""), apiKey: env.LANTERN_API_KEY });
  process.exitCode = await runCli(process.argv.slice(2), api, {
    out: (text) => process.stdout.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
  });
} catch (err) {
  if (err instanceof CliError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`pipeline: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
