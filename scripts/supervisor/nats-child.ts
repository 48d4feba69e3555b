/**
 * nats-server as a child of the supervisor. It cannot import the parent watchdog, so a small `sh`
 * wrapper does that job: it runs the server, reads its own stdin (a pipe from the supervisor) until
 * it closes, and then, a few seconds later (the services, stopping by themselves at the same moment,
 * still drain through it), stops the server. SIGTERM to the wrapper's process group stops it at once.
 */
import { connect } from "@nats-io/transport-node";

/** `sh -c WRAPPER lantern-nats <bin> <args...>`: exits with the server's code. */
export const EXIT_WITH_PARENT_WRAPPER = `
bin=$1; shift
linger=3
exec 3<&0 </dev/null
"$bin" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
{ while read -r _; do :; done; sleep "$linger"; kill -TERM "$pid" 2>/dev/null; } <&3 &
watcher=$!
exec 3<&-
wait "$pid"; code=$?
# A trapped signal interrupts wait: wait on until the server itself has exited.
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; code=$?; done
kill "$watcher" 2>/dev/null
exit "$code"
`;

/** Runs `bin args...` under the wrapper: the command and arguments to spawn with stdin a pipe. */
export function exitWithParentCommand(bin: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: "sh", args: ["-c", EXIT_WITH_PARENT_WRAPPER, "lantern-nats", bin, ...args] };
}

export function natsServerArgs(port: number, dataDir: string): string[] {
  return ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dataDir];
}

/** Resolves once a NATS server accepts connections at `url`; rejects after `timeoutMs` or when `gone()` says it exited. */
export async function waitNatsAccepting(url: string, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error(`nats-server exited before accepting connections on ${url}`);
    try {
      const nc = await connect({ servers: url, timeout: 500 });
      await nc.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`nats-server did not accept connections on ${url} within ${timeoutMs / 1000} s`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
