import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../logging/index.js";
import type { StateVersion } from "../contracts/state-version.js";
import { closeHttpServer } from "../lifecycle/index.js";
import { metricsScrapeAllowed } from "./metrics-auth.js";

/** Readiness with what `/readyz` should say about it beside `status` (e.g. each model's state). */
export interface ReadinessReport {
  ready: boolean;
  detail: Record<string, unknown>;
}

interface MetricsServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** What `/readyz` answers: ready to take work (connected, models loaded, ...), with details when a report. */
  ready: () => boolean | ReadinessReport;
  /** What `/state/version` answers (Mentator's health check); unset: that path is not served. */
  stateVersion?: () => StateVersion;
  /** Bearer token `/metrics` requires; unset: open (health paths are always open). */
  token?: string | undefined;
  logger: Logger;
}

export interface RunningMetricsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * `GET /metrics`, `/healthz` and `/readyz` for a service without an HTTP port of its own (the
 * inference worker, the orchestrator, the model fetcher), on METRICS_PORT.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const answer = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return answer(405, '{"status":"method_not_allowed"}');
    switch (path) {
      case "/healthz":
        return answer(200, '{"status":"ok"}');
      case "/readyz": {
        const report = opts.ready();
        const { ready, detail } = typeof report === "boolean" ? { ready: report, detail: {} } : report;
        return answer(ready ? 200 : 503, JSON.stringify({ status: ready ? "ready" : "not_ready", ...detail }));
      }
      case "/state/version":
        if (!opts.stateVersion) return answer(404, '{"status":"not_found"}');
        return answer(200, JSON.stringify(opts.stateVersion()));
      case "/metrics":
        if (!metricsScrapeAllowed(req.headers.authorization, opts.token)) return answer(401, '{"status":"unauthorized"}');
        opts.registry.metrics().then(
          (text) => answer(200, text, opts.registry.contentType),
          (err: unknown) => {
            opts.logger.error({ err }, "collecting metrics failed");
            answer(500, '{"status":"error"}');
          },
        );
        return;
      default:
        return answer(404, '{"status":"not_found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${port}`;
  opts.logger.info({ url, paths: ["/metrics", "/healthz", "/readyz", ...(opts.stateVersion ? ["/state/version"] : [])] }, "metrics listening");
  return { url, port, stop: () => closeHttpServer(server, 1_000) };
}
