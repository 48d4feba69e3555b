import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useSdkStack } from "./harness/sdk-stack.js";
import { BUNDLED_MODEL } from "./harness/test-stack.js";

const sdk = useSdkStack();

const STORY = "Once upon a time";
const OTHER = "The dog ran to the big red ball";

const served = () => sdk.worker.worker.models[0]!;

const embed = (input: OpenAI.EmbeddingCreateParams["input"], extra: Partial<OpenAI.EmbeddingCreateParams> = {}) =>
  sdk.client.embeddings.create({ model: BUNDLED_MODEL, input, encoding_format: "float", ...extra });

const vectorOf = async (input: string | number[]) => (await embed(input)).data[0]!.embedding;

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

async function post(path: string, body: unknown) {
  const res = await fetch(`${sdk.stack.baseUrl}/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** The OpenAI error body of a refused request: status, param and code as the client sees them. */
async function refusal(path: string, body: unknown) {
  const { status, body: json } = await post(path, body);
  expect(json.error, JSON.stringify(json)).toBeDefined();
  expect(typeof json.error.message).toBe("string");
  return { status, param: json.error.param as string | null, code: json.error.code as string | null, type: json.error.type as string };
}

describe("POST /v1/embeddings", () => {
  it("answers in OpenAI's shape with one unit vector of the model's embedding size", async () => {
    const res = await embed(STORY);
    expect(res.object).toBe("list");
    expect(res.model).toBe(BUNDLED_MODEL);
    expect(res.data).toHaveLength(1);
    const [item] = res.data;
    expect(item!.object).toBe("embedding");
    expect(item!.index).toBe(0);
    expect(item!.embedding).toHaveLength(served().model.embeddingVectorSize);
    expect(item!.embedding.every(Number.isFinite)).toBe(true);
    expect(norm(item!.embedding)).toBeCloseTo(1, 5);
    // "Once upon a time" is 4 tokens of this vocabulary, plus the start token the model reads first.
    expect(res.usage).toEqual({ prompt_tokens: served().model.tokenize(STORY).length + 1, total_tokens: served().model.tokenize(STORY).length + 1 });
  });

  it("gives the same vector for the same text, every time", async () => {
    const first = await vectorOf(STORY);
    const again = await vectorOf(STORY);
    expect(again).toEqual(first);
  });

  it("gives different vectors for different texts", async () => {
    const a = await vectorOf(STORY);
    const b = await vectorOf(OTHER);
    expect(b).not.toEqual(a);
  });

  it("a list of texts gives one vector per text, in order, each the text's own vector", async () => {
    const texts = [OTHER, STORY, "A cat"];
    const res = await embed(texts);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const [i, text] of texts.entries()) expect(res.data[i]!.embedding).toEqual(await vectorOf(text));
    const tokens = texts.reduce((sum, t) => sum + served().model.tokenize(t).length + 1, 0);
    expect(res.usage.prompt_tokens).toBe(tokens);
  });

  it("token arrays embed like the text they spell, alone or in a list", async () => {
    const storyTokens = served().model.tokenize(STORY).map(Number);
    const otherTokens = served().model.tokenize(OTHER).map(Number);
    const fromText = await vectorOf(STORY);
    expect(await vectorOf(storyTokens)).toEqual(fromText);
    const list = await embed([otherTokens, storyTokens]);
    expect(list.data).toHaveLength(2);
    expect(list.data[0]!.embedding).toEqual(await vectorOf(OTHER));
    expect(list.data[1]!.embedding).toEqual(fromText);
  });

  it("base64 (the SDK's default request, decoded by the SDK) equals float", async () => {
    const viaSdkDefault = await sdk.client.embeddings.create({ model: BUNDLED_MODEL, input: [STORY, OTHER] });
    const asFloat = await embed([STORY, OTHER]);
    expect(viaSdkDefault.data.map((d) => d.embedding)).toEqual(asFloat.data.map((d) => d.embedding));

    // On the wire: little-endian float32, 4 bytes a dimension.
    const raw = await post("/embeddings", { model: BUNDLED_MODEL, input: STORY, encoding_format: "base64" });
    expect(raw.status).toBe(200);
    const bytes = Buffer.from(raw.body.data[0].embedding as string, "base64");
    expect(bytes.length).toBe(4 * served().model.embeddingVectorSize);
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(asFloat.data[0]!.embedding);
  });

  it("many inputs come back complete and in order", async () => {
    const texts = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? `${STORY} ${i}` : `${OTHER} ${i}`));
    const res = await embed(texts);
    expect(res.data.map((d) => d.index)).toEqual(texts.map((_, i) => i));
    expect(res.data[299]!.embedding).toEqual(await vectorOf(texts[299]!));
    expect(res.data[120]!.embedding).toEqual(await vectorOf(texts[120]!));
  });

  it("dimensions keeps the first N values, renormalised to unit length", async () => {
    const full = await vectorOf(STORY);
    const short = (await embed(STORY, { dimensions: 16 })).data[0]!.embedding;
    expect(short).toHaveLength(16);
    expect(norm(short)).toBeCloseTo(1, 5);
    const head = full.slice(0, 16);
    const scale = norm(head);
    short.forEach((x, i) => expect(x).toBeCloseTo(head[i]! / scale, 5));
  });

  it("an input as long as the context is refused, never truncated; one token shorter is embedded", async () => {
    const contextSize = served().contextSize;
    const token = served().model.tokenize(STORY)[0]!;
    // The model reads a start token before the input, and the input must end before the context does.
    const fits = Array<number>(contextSize - 2).fill(token);
    const tooLong = Array<number>(contextSize - 1).fill(token);
    const ok = await embed(fits);
    expect(ok.usage.prompt_tokens).toBe(contextSize - 1);

    const single = await refusal("/embeddings", { model: BUNDLED_MODEL, input: tooLong });
    expect(single).toMatchObject({ status: 400, param: "input", code: "context_length_exceeded" });
    const inList = await refusal("/embeddings", { model: BUNDLED_MODEL, input: [STORY, "Once ".repeat(contextSize)] });
    expect(inList).toMatchObject({ status: 400, param: "input[1]", code: "context_length_exceeded" });
  });

  it("token ids outside the vocabulary are refused, naming the id", async () => {
    const vocabulary = served().model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    expect(await refusal("/embeddings", { model: BUNDLED_MODEL, input: [1, 2, vocabulary] })).toMatchObject({
      status: 400,
      param: "input[2]",
      code: "invalid_value",
    });
    expect(await refusal("/embeddings", { model: BUNDLED_MODEL, input: [[1, 2], [3, vocabulary + 5]] })).toMatchObject({
      status: 400,
      param: "input[1][1]",
      code: "invalid_value",
    });
  });

  it.each([
    ["an empty string", "", "input"],
    ["an empty list", [], "input"],
    ["an empty text in a list", [STORY, ""], "input[1]"],
    ["an empty token array in a list", [[1, 2], []], "input[1]"],
    ["a negative token id", [1, -4], "input[1]"],
    ["a number", 5, "input"],
    ["texts mixed with token ids", [STORY, 5], "input"],
    ["more than 2048 inputs", Array(2049).fill("a"), "input"],
  ])("refuses %s with a 400 naming the field", async (_what, input, param) => {
    expect(await refusal("/embeddings", { model: BUNDLED_MODEL, input })).toMatchObject({ status: 400, param, type: "invalid_request_error" });
  });

  it("refuses bad options with a 400 naming them", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ encoding_format: "hex" }, "encoding_format"],
      [{ dimensions: 0 }, "dimensions"],
      [{ dimensions: 2.5 }, "dimensions"],
      [{ dimensions: served().model.embeddingVectorSize + 1 }, "dimensions"],
      [{ user: 7 }, "user"],
    ];
    for (const [extra, param] of cases) {
      expect(await refusal("/embeddings", { model: BUNDLED_MODEL, input: STORY, ...extra }), JSON.stringify(extra)).toMatchObject({
        status: 400,
        param,
      });
    }
  });

  it("an unknown model is a 404, through the SDK too", async () => {
    const err = await sdk.client.embeddings.create({ model: "no-such-model", input: STORY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ param: "model", code: "model_not_found" });
  });
});

describe("POST /v1/embeddings/similarity", () => {
  it("a text is as similar to itself as can be", async () => {
    const res = await post("/embeddings/similarity", { model: BUNDLED_MODEL, input: [STORY, STORY] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "similarity", model: BUNDLED_MODEL });
    expect(res.body.similarity).toBeCloseTo(1, 5);
    const tokens = 2 * (served().model.tokenize(STORY).length + 1);
    expect(res.body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it("two different texts are less similar, and the value is the cosine of their embeddings", async () => {
    const res = await post("/embeddings/similarity", { model: BUNDLED_MODEL, input: [STORY, OTHER] });
    expect(res.status).toBe(200);
    const similarity = res.body.similarity as number;
    expect(similarity).toBeLessThan(0.999);
    expect(similarity).toBeGreaterThanOrEqual(-1);
    const [a, b] = [await vectorOf(STORY), await vectorOf(OTHER)];
    const cosine = a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));
    expect(similarity).toBeCloseTo(cosine, 5);
  });

  it("refuses anything but two texts, and unknown models", async () => {
    expect(await refusal("/embeddings/similarity", { model: BUNDLED_MODEL, input: [STORY] })).toMatchObject({ status: 400, param: "input" });
    expect(await refusal("/embeddings/similarity", { model: BUNDLED_MODEL, input: [STORY, OTHER, STORY] })).toMatchObject({
      status: 400,
      param: "input",
    });
    expect(await refusal("/embeddings/similarity", { model: BUNDLED_MODEL, input: [STORY, ""] })).toMatchObject({ status: 400, param: "input[1]" });
    expect(await refusal("/embeddings/similarity", { model: BUNDLED_MODEL, a: STORY, b: OTHER })).toMatchObject({ status: 400, param: "input" });
    expect(await refusal("/embeddings/similarity", { model: "no-such-model", input: [STORY, OTHER] })).toMatchObject({
      status: 404,
      param: "model",
    });
  });
});
