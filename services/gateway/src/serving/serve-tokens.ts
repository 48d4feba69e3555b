import { z } from "zod";
import type { TokenPiece } from "@lantern/shared/contracts";
import type { RequestLedger } from "../context/request-ledger.js";
import { invalidRequest } from "../errors/api-error.js";
import type { GatewayDeps } from "../gateway-deps.js";
import { detokenize, tokenize } from "../jobs/tokenizer-client.js";
import { ensureServed } from "./admission.js";

/** `POST /tokenize` in llama.cpp server's shape (extra fields are ignored, as clients send them). */
export const TokenizeBody = z.object({
  content: z.string(),
  add_special: z.boolean().optional(),
  parse_special: z.boolean().optional(),
  with_pieces: z.boolean().optional(),
  model: z.string().min(1).optional(),
});
export type TokenizeBody = z.infer<typeof TokenizeBody>;

/** `POST /detokenize` in llama.cpp server's shape. */
export const DetokenizeBody = z.object({
  tokens: z.array(z.number().int().nonnegative()),
  model: z.string().min(1).optional(),
});
export type DetokenizeBody = z.infer<typeof DetokenizeBody>;

/** The model named, or the fleet's only one: llama.cpp's server serves one model, so its clients send none. */
function modelOf(deps: GatewayDeps, named: string | undefined): string {
  if (named !== undefined) return named;
  const served = deps.registry.servedModels();
  if (served.length === 1) return served[0]!.name;
  const which = served.length === 0 ? "No model is served right now" : `${served.length} models are served (${served.map((m) => m.name).join(", ")})`;
  throw invalidRequest(`${which}: name one in 'model'.`, "model", "missing_model");
}

/**
 * Admits a tokens request like any other on the key (access to the model, request windows,
 * concurrency), but claims no tokens: nothing is generated or evaluated. Its usage event says 0.
 */
async function admitTokens(deps: GatewayDeps, ledger: RequestLedger, named: string | undefined): Promise<string> {
  const model = modelOf(deps, named);
  ledger.requestedModel(model);
  ensureServed(deps, model);
  await ledger.admit({ model, promptTokensEstimate: 0, completionTokensLimit: 0 });
  return model;
}

function settled(ledger: RequestLedger): void {
  ledger.servedBy({ provider: "local" });
  ledger.usage({ promptTokens: 0, completionTokens: 0 });
}

type TokenizeAnswer = { tokens: number[] } | { tokens: Array<{ id: number; piece: TokenPiece }> };

export async function serveTokenize(deps: GatewayDeps, ledger: RequestLedger, body: TokenizeBody): Promise<TokenizeAnswer> {
  const model = await admitTokens(deps, ledger, body.model);
  const { tokens, pieces } = await tokenize(deps, model, body.content, {
    addSpecial: body.add_special ?? false,
    parseSpecial: body.parse_special ?? true,
    withPieces: body.with_pieces ?? false,
  });
  settled(ledger);
  return pieces ? { tokens: tokens.map((id, i) => ({ id, piece: pieces[i]! })) } : { tokens };
}

export async function serveDetokenize(deps: GatewayDeps, ledger: RequestLedger, body: DetokenizeBody): Promise<{ content: string }> {
  const model = await admitTokens(deps, ledger, body.model);
  const content = await detokenize(deps, model, body.tokens);
  settled(ledger);
  return { content };
}
