import { z } from "@hono/zod-openapi";

const UsdPerMTok = z.number().nonnegative().max(1_000_000);

export const PriceCreate = z
  .strictObject({
    model: z.string().min(1).max(256).openapi({ example: "stories260K" }),
    inputPerMTokUsd: UsdPerMTok.openapi({ description: "USD per million prompt tokens.", example: 0.1 }),
    outputPerMTokUsd: UsdPerMTok.openapi({ description: "USD per million completion tokens.", example: 0.4 }),
  })
  .openapi("PriceCreate");
export type PriceCreate = z.output<typeof PriceCreate>;

export const PriceUpdate = z.strictObject({ inputPerMTokUsd: UsdPerMTok, outputPerMTokUsd: UsdPerMTok }).partial().openapi("PriceUpdate");
export type PriceUpdate = z.output<typeof PriceUpdate>;

export const PriceView = z
  .object({ model: z.string(), inputPerMTokUsd: z.number(), outputPerMTokUsd: z.number(), updatedAt: z.iso.datetime({ offset: true }) })
  .openapi("Price");
export type PriceView = z.output<typeof PriceView>;

export const PriceList = z.object({ data: z.array(PriceView) }).openapi("PriceList");
