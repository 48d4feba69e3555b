/**
 * Once per `npm test`: where a Docker engine answers and no NATS_URL / DATABASE_URL is given, start a
 * NATS (JetStream) and a Postgres container for the run and hand their URLs to every test file;
 * elsewhere leave the tests on the URLs given or on local servers (shared/src/testing/test-backends.ts).
 */
import { chooseTestBackends, dockerSocketPresent, type BackendChoice } from "@lantern/shared/testing";

type Stop = () => Promise<unknown>;

async function dockerAnswers(): Promise<boolean> {
  if (!dockerSocketPresent(process.env)) return false;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainers(choice: BackendChoice): Promise<Stop[]> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const stops: Stop[] = [];
  if (choice.nats === "container") {
    const nats = await new GenericContainer("nats:2.10-alpine")
      .withCommand(["-js"])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    stops.push(() => nats.stop());
    process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  if (choice.postgres === "container") {
    const pg = await new GenericContainer("postgres:16-alpine")
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    stops.push(() => pg.stop());
    process.env.DATABASE_URL = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
  }
  return stops;
}

export default async function setup(): Promise<() => Promise<void>> {
  const choice = chooseTestBackends(process.env, await dockerAnswers());
  console.log(`[suite] NATS: ${choice.nats}, Postgres: ${choice.postgres}`);
  const stops = await startContainers(choice);
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
