// zod-to-json-schema 3.x fixtures: the converter most zod 3 code (and older SDKs) used.
// zod-to-json-schema 3.25 imports "zod/v3"; the schemas here are built with that same module
// (zod 4 ships the zod 3 API at "zod/v3"), taken from the scratch install in .data/.
//
//   node shared/src/grammar/corpus/make/zod-to-json-schema.mjs
import { bodyOf, tool, toolVersion, writeFixture } from "./capture.mjs";

const { z } = tool("zod/v3");
const { zodToJsonSchema } = tool("zod-to-json-schema");
const SOURCE = `zod-to-json-schema ${toolVersion("zod-to-json-schema")} (zod ${toolVersion("zod")} "zod/v3")`;
const HEADER = 'import { z } from "zod/v3";\nimport { zodToJsonSchema } from "zod-to-json-schema";\n\n';

const cases = {
  "optional-nullable": () => {
    const Profile = z.object({
      name: z.string(),
      nickname: z.string().optional(),
      bio: z.string().nullable(),
      website: z.string().nullish(),
      age: z.number().int().optional(),
      language: z.string().default("en"),
    });
    return zodToJsonSchema(Profile);
  },

  "constraints": () => {
    const Payment = z.object({
      payer: z.string().min(1).max(100),
      currency: z.string().regex(/^[A-Z]{3}$/),
      amount: z.number().positive().max(1_000_000),
      installments: z.number().int().min(1).max(12),
      share: z.number().min(0).max(1),
      items: z.array(z.string()).min(1).max(10),
      email: z.string().email(),
      id: z.string().uuid(),
      at: z.string().datetime(),
      site: z.string().url(),
    });
    return zodToJsonSchema(Payment);
  },

  "enum-literal-union": () => {
    const Event = z.object({
      kind: z.literal("event"),
      level: z.enum(["debug", "info", "warn", "error"]),
      native: z.nativeEnum({ A: "a", B: "b" }),
      value: z.union([z.string(), z.number(), z.boolean()]),
      nullableEnum: z.enum(["x", "y"]).nullable(),
    });
    return zodToJsonSchema(Event);
  },

  "discriminated-union": () => {
    const Shape = z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), radius: z.number() }),
      z.object({ kind: z.literal("rect"), width: z.number(), height: z.number() }),
    ]);
    return zodToJsonSchema(z.object({ shapes: z.array(Shape) }));
  },

  "record-tuple": () => {
    const Stats = z.object({
      counts: z.record(z.number().int()),
      byKey: z.record(z.string().regex(/^[a-z]+$/), z.string()),
      point: z.tuple([z.number(), z.number()]),
      rest: z.tuple([z.string()]).rest(z.number()),
    });
    return zodToJsonSchema(Stats);
  },

  "lazy-recursion": () => {
    const Category = z.lazy(() =>
      z.object({
        name: z.string(),
        subcategories: z.array(Category),
      }),
    );
    return zodToJsonSchema(Category);
  },

  "named-definitions": () => {
    const Address = z.object({ street: z.string(), city: z.string() });
    const Customer = z.object({ name: z.string(), billing: Address, shipping: Address.optional() });
    return zodToJsonSchema(Customer, "Customer");
  },

  "ref-strategy-none": () => {
    const Address = z.object({ street: z.string(), city: z.string() });
    const Customer = z.object({ name: z.string(), billing: Address, shipping: Address.optional() });
    return zodToJsonSchema(Customer, { $refStrategy: "none" });
  },

  "target-openai": () => {
    const Profile = z.object({
      name: z.string(),
      nickname: z.string().optional(),
      bio: z.string().nullable(),
      tags: z.array(z.string()),
      address: z.object({ city: z.string(), zip: z.string().optional() }),
    });
    return zodToJsonSchema(Profile, { target: "openAi" });
  },

  "target-openai-recursive": () => {
    const Node = z.lazy(() => z.object({ tag: z.string(), children: z.array(Node) }));
    return zodToJsonSchema(z.object({ root: Node }), { name: "Tree", target: "openAi" });
  },

  "intersection-defaults-describe": () => {
    const Base = z.object({ id: z.string().describe("Stable identifier") });
    const Job = Base.merge(z.object({ retries: z.number().int().default(3) })).and(
      z.object({ tags: z.array(z.string()).default([]) }),
    );
    return zodToJsonSchema(Job.describe("A queued job"));
  },

  "object-modes": () => {
    const Config = z.object({
      strict: z.object({ a: z.string() }).strict(),
      passthrough: z.object({ b: z.string() }).passthrough(),
      catchall: z.object({ c: z.string() }).catchall(z.number()),
      date: z.date(),
      anything: z.any(),
    });
    return zodToJsonSchema(Config);
  },
};

for (const [name, fn] of Object.entries(cases)) {
  const schema = fn();
  writeFixture(`zod-to-json-schema-${name}.json`, { source: SOURCE, code: HEADER + bodyOf(fn), schema });
}
