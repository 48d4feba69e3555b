import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

/**
 * `/metrics` when several gateway processes share one port: a scrape lands on any one of them,
 * so each asks the primary, which collects every process's registry and adds the series up
 * (prom-client's cluster aggregation). A single process answers from its own registry.
 */

const REQUEST = "lantern:gateway-metrics-request";
const ANSWER = "lantern:gateway-metrics-answer";
const ANSWER_TIMEOUT_MS = 5_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (message: unknown): message is MetricsRequest => (message as MetricsRequest | null)?.type === REQUEST;
const isAnswer = (message: unknown): message is MetricsAnswer => (message as MetricsAnswer | null)?.type === ANSWER;

/** In a gateway process under a primary: offers its registry to the primary's collection. */
export function shareMetricsWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries(registry);
  // Making one installs prom-client's listener that answers the primary's collection requests.
  new AggregatorRegistry();
}

/** In the primary: answers each gateway process's request for the metrics of all of them. */
export function serveMetricsToProcesses(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: unknown) => {
    if (!isRequest(message)) return;
    const answer = (fields: Omit<MetricsAnswer, "type" | "id">) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...fields } satisfies MetricsAnswer);
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (err: unknown) => answer({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

let nextRequestId = 0;

function metricsOfAllProcesses(): Promise<string> {
  const id = nextRequestId++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isAnswer(message) || message.id !== id) return;
      done();
      if (message.error !== undefined) reject(new Error(`collecting the gateway processes' metrics failed: ${message.error}`));
      else resolve(message.text ?? "");
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error("the gateway's primary process did not answer with the metrics"));
    }, ANSWER_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      process.off("message", onMessage);
    };
    process.on("message", onMessage);
    process.send!({ type: REQUEST, id } satisfies MetricsRequest);
  });
}

/** The text a scrape gets: every gateway process's series added up under a primary, else this process's. */
export function metricsText(registry: Registry): Promise<string> {
  return cluster.isWorker ? metricsOfAllProcesses() : registry.metrics();
}
