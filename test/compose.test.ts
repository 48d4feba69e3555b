// The compose stacks and the Dockerfile, checked without a Docker engine: every file and profile is
// rendered by `docker-compose config` (Debian's docker-compose 1.29; scripts/ensure-test-tools.mjs
// installs it), and what it renders is checked against the repository: health checks, the Dockerfile
// and its stages, the services' own config schemas, and .env.example.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
// The config modules alone: the packages' entry points would load every service whole.
import { AdminConfig, loadAdminConfig } from "../services/admin/src/config.js";
import { GatewayConfig, loadGatewayConfig } from "../services/gateway/src/config.js";
import { InferenceConfig, loadInferenceConfig } from "../services/inference/src/config.js";
import { FetcherConfig, loadFetcherConfig } from "../services/model-fetcher/src/config.js";
import { OrchestratorConfig, loadOrchestratorConfig } from "../services/orchestrator/src/config.js";
import { GATEWAY_NODE_FLAGS } from "../scripts/local-stack.js";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DOCKER_COMPOSE = "/usr/bin/docker-compose";
/** One Dockerfile makes every service's image, the service named by its SERVICE build argument. */
const DOCKERFILE = join(root, "Dockerfile");
const SERVICES = readdirSync(join(root, "services"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

/** What .env gives the stack in these renders: every secret it requires. */
const SECRETS = {
  NATS_PASSWORD: "natspass1",
  NATS_WORKER_PASSWORD: "workerpass1",
  POSTGRES_PASSWORD: "pgpass1",
  ADMIN_TOKEN: "admin-token-0123456789",
  REMOTE_NATS_URL: "tls://worker:workerpass1@hub.example.com:4222",
};

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string; args?: Record<string, string> };
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  profiles?: string[];
}
type Rendered = Record<string, ComposeService>;

const ALL_PROFILES = ["cpu", "cuda", "vulkan", "observability"];

/** Each set of files a user combines, rendered once with every profile on (so every service is checked). */
const FILE_SETS: Record<string, string[]> = {
  stack: ["compose.yaml"],
  "TLS on NATS": ["compose.yaml", "nats-tls.yaml"],
  "3-node NATS cluster": ["compose.yaml", "nats-cluster.yaml"],
  "remote worker": ["remote-worker.yaml"],
};

/** Each stack a user can start: its files, and the profiles it names. */
const STACKS: Record<string, { files: string; profiles: string[] }> = {
  cpu: { files: "stack", profiles: ["cpu"] },
  cuda: { files: "stack", profiles: ["cuda"] },
  vulkan: { files: "stack", profiles: ["vulkan"] },
  "cuda and cpu pools": { files: "stack", profiles: ["cuda", "cpu"] },
  "cpu with observability": { files: "stack", profiles: ["cpu", "observability"] },
  "TLS on NATS": { files: "TLS on NATS", profiles: ["cpu", "cuda", "vulkan"] },
  "3-node NATS cluster": { files: "3-node NATS cluster", profiles: ["cpu"] },
  "remote cuda worker": { files: "remote worker", profiles: ["cuda"] },
  "remote vulkan worker": { files: "remote worker", profiles: ["vulkan"] },
  "remote cpu worker": { files: "remote worker", profiles: ["cpu"] },
};

async function composeConfig(files: string[], profiles: string[], env: Record<string, string> = SECRETS) {
  const args = ["-p", "lantern", ...files.flatMap((f) => ["-f", join(root, "compose", f)]), ...profiles.flatMap((p) => ["--profile", p]), "config"];
  return run(DOCKER_COMPOSE, args, { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
}

/** Services a stack starts: those without a profile, and those of its profiles. */
function started(services: Rendered, profiles: string[]): Rendered {
  return Object.fromEntries(Object.entries(services).filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p))));
}

/** A service others wait on to finish (`service_completed_successfully`), run once. */
function isOneShot(name: string, services: Rendered): boolean {
  return Object.values(services).some((s) => s.depends_on?.[name]?.condition === "service_completed_successfully");
}

/** The keys of a service's env schema (a transform keeps its input object under `in`). */
function schemaKeys(schema: z.ZodType): string[] {
  let s = schema as unknown as { shape?: Record<string, unknown>; in?: z.ZodType };
  while (!s.shape && s.in) s = s.in as unknown as typeof s;
  return Object.keys(s.shape ?? {});
}

interface Stage {
  name: string;
  parent: string;
  lines: string[];
}

/** A Dockerfile's stages, each with its instructions (continuation lines joined). */
function dockerStages(path: string): Stage[] {
  const text = readFileSync(path, "utf8").replace(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ parent: from[1]!, name: from[2] ?? `stage${stages.length}`, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** A stage's instructions of one kind, its parents' first (a stage inherits USER, HEALTHCHECK, ENTRYPOINT). */
function inherited(stages: Stage[], name: string, instruction: string, service: string): string[] {
  const stage = stages.find((s) => s.name === name);
  if (!stage) return [];
  const own = stage.lines.filter((l) => l.toUpperCase().startsWith(`${instruction} `));
  const parent = stage.parent.replace("${SERVICE}", service);
  return [...inherited(stages, parent, instruction, service), ...own];
}

const renders: Record<string, Rendered> = {};

describe("compose stacks", () => {
  beforeAll(async () => {
    if (!existsSync(DOCKER_COMPOSE)) throw new Error(`${DOCKER_COMPOSE} is missing: run node scripts/ensure-test-tools.mjs (Debian's docker-compose package)`);
    const rendered: Record<string, Rendered> = {};
    for (const [name, files] of Object.entries(FILE_SETS)) {
      const { stdout } = await composeConfig(files, ALL_PROFILES);
      rendered[name] = (parseYaml(stdout) as { services: Rendered }).services;
    }
    for (const [name, { files, profiles }] of Object.entries(STACKS)) renders[name] = started(rendered[files]!, profiles);
  });

  it("starts the infrastructure, the platform services and the worker of each pool", () => {
    const platform = ["nats", "postgres", "model-init", "model-fetcher", "admin", "orchestrator", "gateway"];
    expect(Object.keys(renders.cpu!).sort()).toEqual([...platform, "inference-cpu"].sort());
    expect(Object.keys(renders.cuda!)).toContain("inference-cuda");
    expect(Object.keys(renders.cuda!)).not.toContain("inference-cpu");
    expect(Object.keys(renders.vulkan!)).toContain("inference-vulkan");
    expect(Object.keys(renders["cuda and cpu pools"]!)).toEqual(expect.arrayContaining(["inference-cuda", "inference-cpu"]));
    expect(Object.keys(renders["cpu with observability"]!)).toEqual(expect.arrayContaining(["jaeger", "prometheus"]));
    expect(Object.keys(renders["3-node NATS cluster"]!)).toEqual(expect.arrayContaining(["nats", "nats-2", "nats-3"]));
    expect(Object.keys(renders["remote cuda worker"]!)).toEqual(["inference-cuda"]);
  });

  it("gives every long-running service a health check, and makes others wait on health", () => {
    for (const [stack, services] of Object.entries(renders)) {
      for (const [name, service] of Object.entries(services)) {
        if (isOneShot(name, services)) {
          expect(service.restart, `${stack}: ${name}`).toBe("no");
          continue;
        }
        expect(service.healthcheck?.disable, `${stack}: ${name} health check`).not.toBe(true);
        expect(service.healthcheck?.test, `${stack}: ${name} health check`).toBeDefined();
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const expected = isOneShot(dependency, services) ? "service_completed_successfully" : "service_healthy";
          expect(condition, `${stack}: ${name} waits on ${dependency}`).toBe(expected);
        }
      }
    }
  });

  it("calls the workers and the gateway healthy only when ready: their /readyz, which waits for the models", () => {
    for (const [stack, services] of Object.entries(renders)) {
      for (const [name, service] of Object.entries(services)) {
        const port = name === "gateway" ? 8002 : name.startsWith("inference-") ? 9464 : undefined;
        if (port) expect(JSON.stringify(service.healthcheck?.test), `${stack}: ${name}`).toContain(`http://127.0.0.1:${port}/readyz`);
      }
    }
  });

  it("lets the worker services scale: no fixed container name or host port", () => {
    for (const services of Object.values(renders)) {
      for (const [name, service] of Object.entries(services)) {
        if (!name.startsWith("inference-")) continue;
        expect(service).not.toHaveProperty("container_name");
        expect(service).not.toHaveProperty("ports");
      }
    }
  });

  it("reserves NVIDIA GPUs for CUDA workers and passes /dev/dri to Vulkan workers", () => {
    const cuda = renders.cuda!["inference-cuda"] as ComposeService & { deploy?: { resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } } };
    expect(cuda.deploy?.resources?.reservations?.devices?.[0]).toMatchObject({ driver: "nvidia", capabilities: ["gpu"] });
    const vulkan = renders.vulkan!["inference-vulkan"] as ComposeService & { devices?: string[] };
    expect(vulkan.devices).toContain("/dev/dri:/dev/dri");
    expect(cuda.environment?.INFERENCE_GPU).toBe("cuda");
    expect(vulkan.environment?.INFERENCE_GPU).toBe("vulkan");
  });

  it("builds every Lantern image from the repository's Dockerfile, for its service, from a stage it has", () => {
    for (const services of Object.values(renders)) {
      for (const [name, service] of Object.entries(services)) {
        if (!service.build) {
          // Third-party images are pinned to a version.
          expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
          expect(service.image, name).not.toMatch(/:latest$/);
          continue;
        }
        const serviceArg = service.build.args?.SERVICE;
        expect(SERVICES, name).toContain(serviceArg);
        expect(service.image, name).toMatch(new RegExp(`^lantern/${serviceArg}:`));
        const dockerfile = join(service.build.context, service.build.dockerfile ?? "Dockerfile");
        expect(dockerfile, name).toBe(DOCKERFILE);
        if (service.build.target) expect(dockerStages(dockerfile).map((s) => s.name), name).toContain(service.build.target);
      }
    }
  });

  it("gives each service a configuration its own schema accepts", () => {
    const loaders: [RegExp, (env: NodeJS.ProcessEnv) => unknown][] = [
      [/^gateway$/, loadGatewayConfig],
      [/^admin$/, loadAdminConfig],
      [/^orchestrator$/, loadOrchestratorConfig],
      [/^model-(fetcher|init)$/, loadFetcherConfig],
      [/^inference-/, loadInferenceConfig],
    ];
    for (const [stack, services] of Object.entries(renders)) {
      for (const [name, service] of Object.entries(services)) {
        const load = loaders.find(([pattern]) => pattern.test(name))?.[1];
        if (!load) continue;
        const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? ""]));
        expect(() => load(env), `${stack}: ${name}`).not.toThrow();
      }
    }
  });

  it("refuses to render without the secrets, naming the one to set", async () => {
    const { NATS_PASSWORD: _, ...withoutNats } = SECRETS;
    await expect(composeConfig(["compose.yaml"], ["cpu"], withoutNats)).rejects.toMatchObject({ stderr: expect.stringContaining("set NATS_PASSWORD in .env") });
  });
});

describe("Dockerfile", () => {
  const stages = dockerStages(DOCKERFILE);
  /** The stages images are made from: each inference pool's, and the default (no --target) for every service. */
  const targets = (service: string) => [stages.at(-1)!.name, ...(service === "inference" ? ["cpu", "vulkan", "cuda"] : [])];

  it("makes every service's image, multi-stage, each running unprivileged under tini with a health check", () => {
    expect(SERVICES).toEqual(expect.arrayContaining(["admin", "gateway", "inference", "model-fetcher", "orchestrator"]));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const service of SERVICES) {
      for (const target of targets(service)) {
        const label = `${service} (${target})`;
        const user = inherited(stages, target, "USER", service).at(-1);
        expect(user, label).toBeDefined();
        expect(user!.split(/\s+/)[1], label).not.toMatch(/^(root|0)(:|$)/);
        expect(inherited(stages, target, "HEALTHCHECK", service).at(-1), label).toMatch(/^HEALTHCHECK .*CMD/);
        expect(inherited(stages, target, "ENTRYPOINT", service).at(-1), label).toMatch(/tini/);
        // The image runs the bundle the build stage made, never TypeScript source.
        expect(inherited(stages, target, "CMD", service).at(-1), label).toMatch(/dist\/bin\/main\.js/);
      }
    }
  });

  it("makes the inference worker's CPU image without a --target", () => {
    const lastEnv = (service: string, target: string) => inherited(stages, target, "ENV", service).filter((l) => l.includes("INFERENCE_GPU=")).at(-1);
    expect(lastEnv("inference", stages.at(-1)!.name)).toMatch(/INFERENCE_GPU=cpu\b/);
  });

  it("starts the gateway image with the node flags the local stack gives the gateway", () => {
    const cmd = JSON.parse(inherited(stages, stages.at(-1)!.name, "CMD", "gateway").at(-1)!.replace(/^CMD\s+/, "")) as string[];
    expect(cmd.slice(1, -1)).toEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
  });

  it("bakes no secret into any image", () => {
    const secretName = /(TOKEN|PASSWORD|SECRET|API_KEY|CREDENTIALS?)\b/;
    for (const line of stages.flatMap((s) => s.lines)) {
      if (/^(ENV|ARG) /i.test(line)) expect(line).not.toMatch(secretName);
    }
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining([".env", ".env.*"]));
  });
});

describe(".env.example", () => {
  const example = readFileSync(join(root, ".env.example"), "utf8");
  const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));

  it("documents every variable every service reads", () => {
    const schemas = { AdminConfig, GatewayConfig, InferenceConfig, FetcherConfig, OrchestratorConfig };
    for (const [name, schema] of Object.entries(schemas)) {
      const keys = schemaKeys(schema as z.ZodType);
      expect(keys.length, name).toBeGreaterThan(3);
      expect(keys.filter((key) => !documented.has(key)), `${name} keys missing from .env.example`).toEqual([]);
    }
  });

  it("documents every variable the compose files read", () => {
    const files = readdirSync(join(root, "compose")).filter((f) => f.endsWith(".yaml"));
    const used = new Set(files.flatMap((f) => [...readFileSync(join(root, "compose", f), "utf8").matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!)));
    expect([...used].filter((key) => !documented.has(key))).toEqual([]);
  });
});
