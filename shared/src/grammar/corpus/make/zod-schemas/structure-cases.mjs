// zod 4 cases about how schemas are put together and converted: recursion, composition, object
// modes, metadata, toJSONSchema options, and whole schemas as applications write them.
// Each case is an arrow function; its body, as written here, is the fixture's `code`
// (zod-schemas.mjs runs them in this order).
import { z } from "zod";

export const structureCases = {
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
