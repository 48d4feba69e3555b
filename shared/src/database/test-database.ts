import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface TestDatabase {
  /** Connection string of a fresh database no other test uses. */
  url: string;
  drop(): Promise<void>;
}

/** The server tests use: `DATABASE_URL` when given, else the local default. */
export function testServerUrl(): string {
  return process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** Creates a database of its own on the test Postgres server, dropped afterwards. */
export async function useTestDatabase(): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `lantern_${randomBytes(5).toString("hex")}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const conn = postgres(server, { max: 1, onnotice: () => {} });
      await conn.unsafe(`drop database if exists ${name} with (force)`);
      await conn.end();
    },
  };
}
