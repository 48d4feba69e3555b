// zod v4 `z.toJSONSchema` fixtures. Uses the zod the repository has installed (root dependency).
// Each case is an arrow function; its body is the `code` stored with the schema it returned.
//
//   node shared/src/grammar/corpus/make/zod-schemas.mjs
import { createRequire } from "node:module";
import { z } from "zod";
import { bodyOf, writeFixture } from "./capture.mjs";

const zodVersion = createRequire(import.meta.url)("zod/package.json").version;
const SOURCE = `zod ${zodVersion} toJSONSchema`;
const HEADER = 'import { z } from "zod";\n\n';

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
    return z.toJSONSchema(Profile);
  },

  "numbers": () => {
    const Measurements = z.object({
      count: z.number().int(),
      age: z.number().int().min(0).max(150),
      score: z.number().min(0).max(1),
      price: z.number().positive(),
      balance: z.number().nonnegative(),
      offset: z.number().gt(-10).lt(10),
      step: z.number().multipleOf(0.25),
      id: z.int(),
      small: z.int32(),
      big: z.number().int().positive(),
      ratio: z.float32(),
    });
    return z.toJSONSchema(Measurements);
  },

  "strings": () => {
    const Payment = z.object({
      payer: z.string().min(1).max(100),
      currency: z.string().regex(/^[A-Z]{3}$/),
      pin: z.string().length(4),
      reference: z.string().startsWith("INV-"),
      path: z.string().endsWith(".pdf"),
      note: z.string().includes("ok"),
      slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/).max(64),
    });
    return z.toJSONSchema(Payment);
  },

  "string-formats": () => {
    const Contact = z.object({
      email: z.email(),
      legacyEmail: z.string().email(),
      id: z.uuid(),
      legacyId: z.string().uuid(),
      homepage: z.url(),
      createdAt: z.iso.datetime(),
      legacyCreatedAt: z.string().datetime(),
      birthday: z.iso.date(),
      wakeUp: z.iso.time(),
      timeout: z.iso.duration(),
      ip: z.ipv4(),
      ip6: z.ipv6(),
      avatar: z.base64(),
      trace: z.cuid2(),
      sortKey: z.ulid(),
      token: z.nanoid(),
      phone: z.e164(),
    });
    return z.toJSONSchema(Contact);
  },

  "arrays": () => {
    const Survey = z.object({
      answers: z.array(z.string()).min(1).max(5),
      scores: z.array(z.number().int().min(1).max(10)).length(3),
      tags: z.array(z.string()).nonempty(),
      matrix: z.array(z.array(z.number())),
    });
    return z.toJSONSchema(Survey);
  },

  "enum-literal": () => {
    const Status = z.enum(["open", "in_progress", "closed"]);
    const Task = z.object({
      status: Status,
      previous: Status.nullable(),
      kind: z.literal("task"),
      version: z.literal(2),
      archived: z.literal(false),
      stars: z.literal([1, 2, 3, 4, 5]),
      level: z.enum({ Low: "low", High: "high" }),
    });
    return z.toJSONSchema(Task);
  },

  "union": () => {
    const Checkout = z.object({
      amount: z.union([z.number(), z.string()]),
      method: z.union([
        z.object({ card: z.string(), expiry: z.string() }),
        z.object({ iban: z.string(), bic: z.string().optional() }),
      ]),
      coupon: z.string().or(z.number()).nullable(),
    });
    return z.toJSONSchema(Checkout);
  },

  "discriminated-union": () => {
    const Shape = z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), radius: z.number().positive() }),
      z.object({ kind: z.literal("rect"), width: z.number(), height: z.number() }),
      z.object({ kind: z.literal("polygon"), points: z.array(z.tuple([z.number(), z.number()])).min(3) }),
    ]);
    const Drawing = z.object({ title: z.string(), shapes: z.array(Shape) });
    return z.toJSONSchema(Drawing);
  },

  "record": () => {
    const Stats = z.object({
      counts: z.record(z.string(), z.number().int()),
      byLevel: z.record(z.enum(["debug", "info", "warn", "error"]), z.number()),
      headers: z.record(z.string().regex(/^x-[a-z-]+$/), z.string()),
      partial: z.partialRecord(z.enum(["a", "b"]), z.boolean()),
    });
    return z.toJSONSchema(Stats);
  },

  "tuple": () => {
    const Route = z.object({
      start: z.tuple([z.number(), z.number()]),
      summary: z.tuple([z.string(), z.number().int(), z.boolean()]),
      path: z.tuple([z.string()], z.number()),
    });
    return z.toJSONSchema(Route);
  },

  "lazy-recursion": () => {
    const Category = z.object({
      name: z.string(),
      subcategories: z.lazy(() => z.array(Category)),
    });
    return z.toJSONSchema(Category);
  },

  "getter-recursion": () => {
    const Comment = z.object({
      author: z.string(),
      text: z.string(),
      get replies() {
        return z.array(Comment);
      },
    });
    const Thread = z.object({ topic: z.string(), comments: z.array(Comment) });
    return z.toJSONSchema(Thread);
  },

  "mutual-recursion": () => {
    const User = z.object({
      email: z.email(),
      get posts() {
        return z.array(Post);
      },
    });
    const Post = z.object({
      title: z.string(),
      get author() {
        return User.nullable();
      },
    });
    return z.toJSONSchema(User);
  },

  "intersection-extend": () => {
    const Base = z.object({ id: z.uuid(), createdAt: z.iso.datetime() });
    const Named = z.object({ name: z.string() });
    const Item = Base.extend({ price: z.number().nonnegative() });
    const Both = z.intersection(Base, Named);
    return z.toJSONSchema(z.object({ item: Item, both: Both, also: Named.and(z.object({ tag: z.string() })) }));
  },

  "object-modes": () => {
    const Config = z.object({
      strict: z.strictObject({ a: z.string() }),
      loose: z.looseObject({ b: z.string() }),
      catchall: z.object({ c: z.string() }).catchall(z.number()),
      plain: z.object({ d: z.string() }),
    });
    return z.toJSONSchema(Config);
  },

  "describe-meta": () => {
    const Weather = z
      .object({
        city: z.string().describe("City name, e.g. Paris"),
        unit: z.enum(["celsius", "fahrenheit"]).describe("Temperature unit"),
        high: z.number().meta({ title: "High", description: "Highest temperature", examples: [21.5] }),
        conditions: z.array(z.string()).describe("Short phrases like 'sunny'"),
      })
      .meta({ title: "WeatherReport", description: "A weather report for one city on one day" });
    return z.toJSONSchema(Weather);
  },

  "target-draft-7": () => {
    const Event = z.object({
      name: z.string(),
      at: z.iso.datetime(),
      coords: z.tuple([z.number(), z.number()]),
      tags: z.array(z.string()).optional(),
      kind: z.literal("event"),
      note: z.string().nullable(),
    });
    return z.toJSONSchema(Event, { target: "draft-7" });
  },

  "io-input-defaults": () => {
    const Settings = z.object({
      model: z.string().default("gpt-4o"),
      temperature: z.number().min(0).max(2).default(0.7),
      stream: z.boolean().default(false),
      stop: z.array(z.string()).default([]),
      maxTokens: z.string().transform((s) => Number(s)),
    });
    return z.toJSONSchema(Settings, { io: "input" });
  },

  "reused-ref": () => {
    const Address = z.object({ street: z.string(), city: z.string(), zip: z.string().regex(/^\d{5}$/) });
    const Customer = z.object({ name: z.string(), billing: Address, shipping: Address.optional() });
    return z.toJSONSchema(Customer, { reused: "ref" });
  },

  "registry-ids": () => {
    const Money = z.object({ amount: z.number(), currency: z.string().length(3) }).meta({ id: "Money" });
    const Invoice = z.object({ total: Money, lines: z.array(z.object({ label: z.string(), price: Money })) });
    return z.toJSONSchema(Invoice);
  },

  "unrepresentable-any": () => {
    const Log = z.object({
      message: z.string(),
      at: z.date(),
      size: z.bigint(),
      extra: z.any(),
      payload: z.unknown(),
    });
    return z.toJSONSchema(Log, { unrepresentable: "any" });
  },

  "template-literal": () => {
    const Order = z.object({
      ref: z.templateLiteral(["order-", z.number().int()]),
      size: z.templateLiteral([z.number(), z.enum(["px", "em", "%"])]),
    });
    return z.toJSONSchema(Order);
  },

  "readonly-default-catch": () => {
    const Job = z.object({
      id: z.string().readonly(),
      retries: z.number().int().catch(3),
      priority: z.enum(["low", "high"]).default("low"),
      tags: z.array(z.string()).readonly(),
    });
    return z.toJSONSchema(Job);
  },

  "recipe": () => {
    const Recipe = z.object({
      recipe: z.object({
        name: z.string(),
        ingredients: z.array(z.object({ name: z.string(), amount: z.string() })),
        steps: z.array(z.string()),
      }),
    });
    return z.toJSONSchema(Recipe);
  },

  "ui-component-recursive": () => {
    const Component = z.object({
      type: z.enum(["div", "button", "header", "section", "field", "form"]),
      label: z.string(),
      get children() {
        return z.array(Component);
      },
      attributes: z.array(z.object({ name: z.string(), value: z.string() })),
    });
    return z.toJSONSchema(Component);
  },

  "root-array": () => {
    const Entities = z.array(z.object({ text: z.string(), label: z.enum(["PER", "ORG", "LOC"]), start: z.number().int(), end: z.number().int() }));
    return z.toJSONSchema(Entities);
  },

  "primitives-mix": () => {
    const Mixed = z.object({
      flag: z.boolean(),
      nothing: z.null(),
      maybe: z.union([z.string(), z.null()]),
      anything: z.any(),
      optionalNumber: z.optional(z.number()),
      nullableArray: z.array(z.string()).nullable(),
      nested: z.object({ deep: z.object({ deeper: z.object({ value: z.string().optional() }) }) }),
    });
    return z.toJSONSchema(Mixed);
  },
};

for (const [name, fn] of Object.entries(cases)) {
  const schema = fn();
  writeFixture(`zod-${name}.json`, { source: SOURCE, code: HEADER + bodyOf(fn), schema });
}
