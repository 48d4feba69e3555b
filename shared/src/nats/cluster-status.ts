import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../contracts/index.js";
import type { Logger } from "../logging/index.js";
import { bounded } from "./bounded.js";
import { kvStreamName } from "./kv-keys.js";
import { replicaPolicyOf } from "./replicas.js";

/** A stream that does not have the replicas it should: too few configured, or some not current. */
export interface StreamLackingReplicas {
  stream: string;
  /** Replicas configured on the stream. */
  replicas: number;
  /** Replicas NATS_REPLICAS asks for. */
  wanted: number;
  leader: string | null;
  /** Peers of the stream that are offline or behind the leader. */
  notCurrent: string[];
}

export interface ClusterReport {
  /** The cluster's name; null on a single server. */
  cluster: string | null;
  /** The node this connection is on. */
  connectedTo: string | null;
  /** The nodes the connected server reports up (what the client reconnects to, beside its seeds). */
  servers: string[];
  /**
   * Whether JetStream has a meta leader (in a cluster only it answers account requests; its name is
   * reported to the system account only): "none" means streams and buckets cannot be created now.
   */
  metaLeader: "elected" | "none" | "unknown";
  /** The leader of each of the platform's streams that exists. */
  leaders: Record<string, string | null>;
  lacking: StreamLackingReplicas[];
  /** When this was last checked (ISO time); null before the first check. */
  checkedAt: string | null;
}

const REQUEST_TIMEOUT_MS = 2_000;

/** Every JetStream stream the platform makes: its streams, KV buckets (`KV_*`) and object stores (`OBJ_*`). */
export function platformStreams(names: NatsNames): string[] {
  return [
    ...Object.values(names.streams),
    ...Object.values(names.buckets).map(kvStreamName),
    ...Object.values(names.objectStores).map((store) => `OBJ_${store}`),
  ];
}

function lackOf(info: StreamInfo, wanted: number): StreamLackingReplicas | null {
  const replicas = info.config.num_replicas || 1;
  const peers = info.cluster?.replicas ?? [];
  const notCurrent = peers.filter((peer) => peer.offline || !peer.current).map((peer) => peer.name);
  const leader = info.cluster?.leader ?? null;
  if (replicas >= wanted && notCurrent.length === 0 && (leader || !info.cluster)) return null;
  return { stream: info.config.name, replicas, wanted, leader, notCurrent };
}

/**
 * Keeps a report of the NATS cluster as this connection sees it, refreshed in the background (so
 * a health check reads it without a round trip): nodes known, meta leader, stream leaders and
 * streams without their replicas.
 */
export class ClusterWatch {
  private report: ClusterReport;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly opts: { nc: NatsConnection; names: NatsNames; everyMs: number; logger: Logger },
  ) {
    this.report = { ...this.connectionView(), metaLeader: "unknown", leaders: {}, lacking: [], checkedAt: null };
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.opts.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The last report, with the connection's view (node, servers) as of now. */
  current(): ClusterReport {
    return { ...this.report, ...this.connectionView() };
  }

  /** Refreshes the report now; resolves once it is. */
  async check(): Promise<ClusterReport> {
    if (this.checking || this.opts.nc.isClosed()) return this.current();
    this.checking = true;
    try {
      // Bounded: a request sent as the link drops may never settle, and would stop every later check.
      this.report = await bounded(this.read(), "checking the nats cluster", 3 * REQUEST_TIMEOUT_MS);
    } catch (err) {
      this.opts.logger.debug({ err }, "checking the nats cluster failed");
    } finally {
      this.checking = false;
    }
    return this.current();
  }

  private async read(): Promise<ClusterReport> {
    const { nc, names } = this.opts;
    const wanted = replicaPolicyOf(nc).replicas;
    const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS, checkAPI: false });
    const metaLeader = await nc
      .request("$JS.API.INFO", "", { timeout: REQUEST_TIMEOUT_MS })
      .then((m) => (m.json<{ error?: unknown }>().error ? "none" : "elected"))
      .catch(() => "none" as const);
    const infos = await Promise.all(platformStreams(names).map((name) => jsm.streams.info(name).catch(() => null)));
    const found = infos.filter((info): info is StreamInfo => info !== null);
    return {
      ...this.connectionView(),
      metaLeader,
      leaders: Object.fromEntries(found.map((info) => [info.config.name, info.cluster?.leader ?? null])),
      lacking: found.map((info) => lackOf(info, wanted)).filter((lack): lack is StreamLackingReplicas => lack !== null),
      checkedAt: new Date().toISOString(),
    };
  }

  private connectionView(): Pick<ClusterReport, "cluster" | "connectedTo" | "servers"> {
    const info = this.opts.nc.isClosed() ? undefined : this.opts.nc.info;
    // connect_urls: the nodes the connected server knows to be up now (the client moves to these).
    return { cluster: info?.cluster ?? null, connectedTo: info?.server_name ?? null, servers: [...(info?.connect_urls ?? [])].sort() };
  }
}
