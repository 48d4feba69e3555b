import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts", "image/**/*.test.ts", "scripts/**/*.test.ts"],
    // NATS and Postgres for the run: the URLs given, containers where Docker answers, else local servers.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time: most of a file's time is waiting on the processes and servers it starts, and
    // loading its modules; on a 2-core machine two side by side finish the suite in two thirds of the time
    // one at a time takes (measured: 501-536 s against 760 s), with each file's own namespace and ports.
    fileParallelism: true,
    maxWorkers: 2,
    // Each worker loads the services' modules once for all its files, not once per file: the suite's
    // module loading fell from 236 s to 25 s (wall time 711 -> 549 s). Files share nothing else: each
    // starts and stops its own servers, namespaces and databases. What a file leaves in the process
    // (@hono/node-server replaces the global Response, for one) must not change what a later one sees.
    isolate: false,
  },
});
