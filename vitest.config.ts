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
  },
});
