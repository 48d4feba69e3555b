// zod 4 cases about the types of fields: optional and nullable, numbers, strings and their
// formats, arrays, enums, unions, records and tuples.
// Each case is an arrow function; its body, as written here, is the fixture's `code`
// (zod-schemas.mjs runs them in this order).
import { z } from "zod";

export const typeCases = {
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
};
