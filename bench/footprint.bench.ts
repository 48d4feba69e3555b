/**
 * `npm run bench:footprint`: what the stack `npm start` runs holds, per process, idle, under the load
 * benchmark's 64 clients, and 30 s after; for the embedded default and for the Postgres-backed stack
 * (DATABASE_URL: a fresh database on the test server). Each stack is started as a user starts it
 * (scripts/start.mjs), with the bundled model; every Node.js process preloads bench/memory-probe.mjs
 * so the table splits RSS into V8 heap and external memory (PGlite's WebAssembly); PSS beside RSS
 * counts the pages the processes share once, and each process's CPU time per request under load
 * shows what a memory setting costs in work. Prints markdown
 * tables and the targets beside the figures; asserts nothing.
 *
 * Settings: FOOTPRINT_RUNS ("embedded,postgres"; also "embedded-tsx", every process under tsx as
 * before the build), FOOTPRINT_IDLE_SECONDS (10), FOOTPRINT_LOAD_SECONDS (20), FOOTPRINT_AFTER_SECONDS
 * (30), FOOTPRINT_CLIENTS (64), NATS_URL (else each stack starts its own nats-server).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { useTestDatabase } from "@lantern/shared/database";
import { streamCompletion } from "./http-client.js";
import { startNpmStack, type NpmStack } from "./npm-start.js";
import { probeMemory, residentMemory, type ProcessMemory } from "./process-memory.js";
import { cpuSeconds, overTree } from "./stats.js";

const RUNS = (process.env.FOOTPRINT_RUNS ?? "embedded,postgres").split(",").map((r) => r.trim());
const IDLE_S = Number(process.env.FOOTPRINT_IDLE_SECONDS ?? 10);
const LOAD_S = Number(process.env.FOOTPRINT_LOAD_SECONDS ?? 20);
const AFTER_S = Number(process.env.FOOTPRINT_AFTER_SECONDS ?? 30);
const CLIENTS = Number(process.env.FOOTPRINT_CLIENTS ?? 64);
const PROBE = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits));
const sum = (figures: Iterable<number>) => [...figures].reduce((a, b) => a + b, 0);

interface RunFigures {
  run: string;
  readySeconds: number;
  idle: Map<string, ProcessMemory>;
  peak: Map<string, number>;
  /** The most all processes held at one sampling instant (the per-process peaks need not coincide). */
  peakOfTotal: number;
  /** Probed near the end of the load: what the peak is made of. */
  loaded: Map<string, ProcessMemory>;
  after: Map<string, ProcessMemory>;
  requests: number;
  errors: number;
  contextsMiB: number;
  /** CPU seconds each process used during the load (nats: with nats-server under its wrapper). */
  cpuUnderLoad: Map<string, number>;
}

function cpuOfAll(stack: NpmStack): Map<string, number> {
  return new Map([...stack.pids()].map(([name, pid]) => [name, name === "nats" ? overTree(pid, cpuSeconds) : cpuSeconds(pid)]));
}

/** `clients` closed-loop streams of 32 tokens for `seconds`, sampling each process's RSS every 250 ms. */
async function load(stack: NpmStack, seconds: number, clients: number, peak: Map<string, number>) {
  let requests = 0;
  let errors = 0;
  let peakOfTotal = 0;
  const sampler = setInterval(() => {
    let total = 0;
    for (const [name, pid] of stack.pids()) {
      const rss = residentMemory(pid, name === "nats")?.rss ?? 0;
      peak.set(name, Math.max(peak.get(name) ?? 0, rss));
      total += rss;
    }
    peakOfTotal = Math.max(peakOfTotal, total);
  }, 250);
  const until = performance.now() + seconds * 1000;
  let seed = 0;
  const client = async () => {
    while (performance.now() < until) {
      try {
        await streamCompletion(stack.baseUrl, { model: "stories260K", prompt: "Once upon a time", max_tokens: 32, temperature: 0.8, seed: seed++ });
        requests++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  clearInterval(sampler);
  return { requests, errors, peakOfTotal };
}

/** The worker's own estimate of its models with their contexts (its heartbeat, through admin). */
async function workerContextsMiB(adminUrl: string): Promise<number> {
  try {
    const body = (await (await fetch(`${adminUrl}/api/workers`)).json()) as { workers?: { models?: { memory?: { ramBytes: number } }[] }[] };
    return sum((body.workers ?? []).flatMap((w) => (w.models ?? []).map((m) => m.memory?.ramBytes ?? 0))) / (1024 * 1024);
  } catch {
    return Number.NaN;
  }
}

async function measure(run: string): Promise<RunFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "lantern-footprint-"));
  const probeDir = mkdtempSync(join(tmpdir(), "lantern-footprint-probe-"));
  const database = run === "postgres" ? await useTestDatabase() : undefined;
  const env: NodeJS.ProcessEnv = {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${PROBE}`.trim(),
    LANTERN_MEMORY_PROBE_DIR: probeDir,
    NATS_NAMESPACE: `footprint${process.pid}`,
    LOG_LEVEL: "warn",
    GATEWAY_QUEUE_LIMIT: "0",
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  let stack: NpmStack | undefined;
  try {
    stack = await startNpmStack({ dataDir, source: run === "embedded-tsx" ? "tsx" : "built", env });
    console.error(`${run}: ready in ${stack.readySeconds.toFixed(1)} s; idle ${IDLE_S} s ...`);
    await sleep(IDLE_S * 1000);
    const idle = await probeMemory(stack.pids(), probeDir);
    const contextsMiB = await workerContextsMiB(stack.adminUrl);
    const peak = new Map<string, number>();
    console.error(`${run}: ${CLIENTS} clients for ${LOAD_S} s ...`);
    const cpuBefore = cpuOfAll(stack);
    const loading = load(stack, LOAD_S, CLIENTS, peak);
    await sleep(Math.max(0, LOAD_S - 3) * 1000);
    const loaded = await probeMemory(stack.pids(), probeDir);
    const { requests, errors, peakOfTotal } = await loading;
    const cpuUnderLoad = new Map([...cpuOfAll(stack)].map(([name, s]) => [name, s - (cpuBefore.get(name) ?? Number.NaN)]));
    console.error(`${run}: ${requests} requests, ${errors} errors; ${AFTER_S} s of quiet ...`);
    await sleep(AFTER_S * 1000);
    const after = await probeMemory(stack.pids(), probeDir);
    return { run, readySeconds: stack.readySeconds, idle, peak, peakOfTotal, loaded, after, requests, errors, contextsMiB, cpuUnderLoad };
  } finally {
    await stack?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(probeDir, { recursive: true, force: true });
  }
}

function report(f: RunFigures): string {
  const names = [...f.idle.keys()];
  const row = (name: string) => {
    const idle = f.idle.get(name)!;
    const peak = f.peak.get(name);
    const after = f.after.get(name)?.rss;
    const loaded = f.loaded.get(name);
    const cpuMs = ((f.cpuUnderLoad.get(name) ?? Number.NaN) * 1000) / f.requests;
    return `| ${name} | ${fmt(idle.rss)} | ${fmt(idle.pss)} | ${fmt(idle.anon)} | ${fmt(idle.file)} | ${fmt(idle.heapUsed)} / ${fmt(idle.heapTotal)} | ${fmt(idle.external)} | ${fmt(peak)} | ${fmt(peak && peak / idle.rss, 2)}x | ${fmt(loaded?.heapUsed)} / ${fmt(loaded?.heapTotal)} | ${fmt(after)} | ${fmt(after && after / idle.rss, 2)}x | ${fmt(cpuMs, 2)} |`;
  };
  const total = (m: Map<string, { rss: number } | number>) => sum([...m.values()].map((v) => (typeof v === "number" ? v : v.rss)));
  const idleTotal = total(f.idle);
  const pssTotal = sum([...f.idle.values()].map((m) => m.pss));
  const peakTotal = total(f.peak);
  const afterTotal = total(f.after);
  const worker = [...f.idle.entries()].filter(([name]) => name.startsWith("inference")).map(([, m]) => m.rss);
  const butContexts = idleTotal - f.contextsMiB;
  return [
    `### ${f.run}: ready in ${f.readySeconds.toFixed(1)} s; ${f.requests} requests (${f.errors} errors) from ${CLIENTS} clients in ${LOAD_S} s`,
    "",
    "| process | idle RSS MiB | PSS | anon | file | heap used / total | external | peak under load | peak / idle | heap under load | after " + AFTER_S + " s | after / idle | CPU ms / request under load |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...names.map(row),
    `| **total** | **${fmt(idleTotal)}** | **${fmt(pssTotal)}** | | | | | **${fmt(peakTotal)}** | **${fmt(peakTotal / idleTotal, 2)}x** | | **${fmt(afterTotal)}** | **${fmt(afterTotal / idleTotal, 2)}x** | **${fmt((sum(f.cpuUnderLoad.values()) * 1000) / f.requests, 2)}** |`,
    "",
    `Idle: everything but the worker ${fmt(idleTotal - sum(worker))} MiB; the worker's models with their contexts (its heartbeat's estimate) ${fmt(f.contextsMiB)} MiB; ` +
      `everything but those ${fmt(butContexts)} MiB (target <= 350), total ${fmt(idleTotal)} MiB (target <= 600; ` +
      `${fmt(pssTotal)} MiB as PSS, the code the Node.js processes share counted once). ` +
      `Under load ${fmt(peakTotal / idleTotal, 2)}x idle as the sum of each process's peak (target <= 1.3x), ` +
      `${fmt(f.peakOfTotal)} MiB (${fmt(f.peakOfTotal / idleTotal, 2)}x) the most held at one instant; ${AFTER_S} s after ${fmt(afterTotal / idleTotal, 2)}x (target <= 1.1x).`,
  ].join("\n");
}

const results: RunFigures[] = [];
for (const run of RUNS) results.push(await measure(run));
console.log(results.map(report).join("\n\n"));
