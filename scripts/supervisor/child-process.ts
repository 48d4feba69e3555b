/**
 * One run of one child of the supervisor: spawned in its own process group (so a terminal's Ctrl-C
 * or a service manager's signal to the group reaches only the supervisor, which stops the children
 * in order), stdin a pipe it watches to exit with the supervisor, stdout and stderr read line by line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { signalGroup } from "./process-probe.js";

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Part of its command line that identifies it, recorded with its pid. */
  marker: string;
  /** Stop it by signalling its whole process group (a wrapper and what it runs), not only the process. */
  stopsAsGroup?: boolean;
  /** Children with the same value stop together (the workers); the rest stop one by one. */
  stopsWith?: string;
  /** Which of its output lines to pass on; all by default. */
  keepLine?: (line: string) => boolean;
  /** An exit with code 0 means its work is done (the fetcher, idle): it is not restarted, and this is called. */
  onDone?: () => void;
  /** Resolves once the child is up, rejects when it cannot come up; its exit is not enough (e.g. NATS accepting connections). */
  started?: (child: RunningChild) => Promise<void>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when it could not be spawned at all. */
  error?: string;
}

export function describeExit(exit: ChildExit): string {
  if (exit.error) return exit.error;
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export class RunningChild {
  readonly startedAt = Date.now();
  readonly exited: Promise<ChildExit>;
  private done = false;

  private constructor(
    readonly spec: ChildSpec,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise<ChildExit>((resolve) => {
      process.once("exit", (code, signal) => resolve({ code, signal }));
      process.once("error", (err) => resolve({ code: null, signal: null, error: err.message }));
    }).then((exit) => {
      this.done = true;
      // Closing the pipe tells anything of its group still reading it (the nats wrapper's watcher) to go.
      process.stdin?.destroy();
      return exit;
    });
  }

  static spawn(spec: ChildSpec, onLine: (service: string, line: string) => void): RunningChild {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    // Writes never happen; a child gone before the pipe closes must not crash the supervisor.
    child.stdin?.on("error", () => {});
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        if (!spec.keepLine || spec.keepLine(line)) onLine(spec.name, line);
      });
    }
    return new RunningChild(spec, child);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** SIGTERM, then SIGKILL to its whole group if it is still there after `graceMs`. */
  async stop(graceMs: number): Promise<ChildExit> {
    if (this.running && this.pid !== undefined) {
      if (this.spec.stopsAsGroup) signalGroup(this.pid, "SIGTERM");
      else this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.kill(), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  kill(): void {
    if (this.running && this.pid !== undefined) signalGroup(this.pid, "SIGKILL");
  }
}
