import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

/**
 * `/metrics` when several gateway processes share one port: a scrape lands on any one of them,
 * so it asks the primary, which collects every process's series and adds them up (prom-client's
 * aggregation: counters and histograms summed, each metric's own `aggregator` otherwise). Only
 * processes that said their registry is ready are asked, so one still starting never holds a
 * scrape up. A single process answers from its own registry.
 */

const SCRAPE = "lantern:metrics-scrape";
const SCRAPED = "lantern:metrics-scraped";
const READY = "lantern:metrics-ready";
const COLLECT = "lantern:metrics-collect";
const COLLECTED = "lantern:metrics-collected";
/** Every answer within a scrape waits this long at most; past it the scrape fails rather than report part of the counters. */
const ANSWER_TIMEOUT_MS = 5_000;

type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;
type Message =
  | { type: typeof SCRAPE; id: number }
  | { type: typeof SCRAPED; id: number; text?: string; error?: string }
  | { type: typeof READY }
  | { type: typeof COLLECT; id: number }
  | { type: typeof COLLECTED; id: number; metrics: MetricsJson };

const messageOf = (value: unknown): Message | null =>
  typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string" && (value as { type: string }).type.startsWith("lantern:metrics-")
    ? (value as Message)
    : null;

/** Waits for the one message `accept` picks out of `source`'s, up to the timeout. */
function answerFrom<T>(
  source: { on(event: "message", l: (m: unknown) => void): unknown; off(event: "message", l: (m: unknown) => void): unknown },
  accept: (message: Message) => T | undefined,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      const message = messageOf(raw);
      const value = message && accept(message);
      if (value === undefined || value === null) return;
      done();
      resolve(value);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} did not answer within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      source.off("message", onMessage);
    };
    source.on("message", onMessage);
  });
}

let nextId = 0;

/** In a gateway process under a primary: answers the primary's collections with this registry, from now on. */
export function shareMetricsWithPrimary(registry: Registry): void {
  process.on("message", (raw: unknown) => {
    const message = messageOf(raw);
    if (message?.type !== COLLECT) return;
    void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: COLLECTED, id: message.id, metrics } satisfies Message));
  });
  process.send?.({ type: READY } satisfies Message);
}

/** In the primary: answers each gateway process's scrape with the series of all ready processes added up. */
export function serveMetricsToProcesses(): void {
  const ready = new Set<Worker>();
  cluster.on("exit", (worker) => ready.delete(worker));
  cluster.on("message", (worker, raw: unknown) => {
    const message = messageOf(raw);
    if (message?.type === READY) ready.add(worker);
    if (message?.type !== SCRAPE) return;
    const reply = (fields: { text?: string; error?: string }) => {
      if (worker.isConnected()) worker.send({ type: SCRAPED, id: message.id, ...fields } satisfies Message);
    };
    collect([...ready].filter((w) => w.isConnected())).then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

async function collect(workers: Worker[]): Promise<string> {
  const id = nextId++;
  const answers = workers.map((worker) => {
    const answer = answerFrom(worker, (m) => (m.type === COLLECTED && m.id === id ? m.metrics : undefined), `gateway process ${worker.process.pid}`);
    worker.send({ type: COLLECT, id } satisfies Message);
    return answer;
  });
  return AggregatorRegistry.aggregate(await Promise.all(answers)).metrics();
}

/** The text a scrape gets: every gateway process's series added up under a primary, else this process's. */
export async function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  const id = nextId++;
  const answer = answerFrom(process, (m) => (m.type === SCRAPED && m.id === id ? m : undefined), "the gateway's primary process");
  process.send!({ type: SCRAPE, id } satisfies Message);
  const { text, error } = await answer;
  if (error !== undefined) throw new Error(`collecting the gateway processes' metrics failed: ${error}`);
  return text ?? "";
}
