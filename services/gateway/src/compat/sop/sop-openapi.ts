import { z } from "zod";
import {
  ChatCompletionRequest,
  CompletionRequest,
  EmbeddingRequest,
  SimilarityRequest,
  SopCompatibilityBody,
  SopEmbeddingsBody,
  SopLoadBody,
  SopPresetBody,
  SopRegisterBody,
  SopSimilarityBody,
  SopTaskBody,
  SopUnloadBody,
  TaskCreateBody,
} from "@lantern/shared/contracts";

type Method = "get" | "post" | "delete";
interface Operation {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  body?: z.ZodType;
}

/** The request bodies as JSON Schema, from the very zod schemas the routes parse with. */
const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const OPERATIONS: Operation[] = [
  { method: "post", path: "/v1/chat/completions", tag: "OpenAI", summary: "Chat completion (streamed with stream: true)", body: ChatCompletionRequest },
  { method: "post", path: "/v1/completions", tag: "OpenAI", summary: "Text completion", body: CompletionRequest },
  { method: "post", path: "/v1/embeddings", tag: "OpenAI", summary: "Embedding vectors", body: EmbeddingRequest },
  { method: "post", path: "/v1/embeddings/similarity", tag: "OpenAI", summary: "Cosine similarity of two texts", body: SimilarityRequest },
  { method: "get", path: "/v1/models", tag: "OpenAI", summary: "Models live workers serve" },
  { method: "post", path: "/api/v1/tasks", tag: "Tasks", summary: "Queue a task: Lantern's body, or the SOP executor's (numeric priority, top-level sampling fields)", body: z.union([TaskCreateBody, SopTaskBody]) },
  { method: "get", path: "/api/v1/tasks/{id}", tag: "Tasks", summary: "A task (a `sop-` id answers in the SOP executor's shape)" },
  { method: "get", path: "/api/v1/tasks/{id}/report", tag: "Tasks", summary: "A task's report" },
  { method: "delete", path: "/api/v1/tasks/{id}", tag: "Tasks", summary: "Cancel (Lantern id) or delete (SOP id) a task" },
  { method: "get", path: "/api/v1/models", tag: "SOP models", summary: "Models the fleet serves ({models, total})" },
  { method: "get", path: "/api/v1/models/presets", tag: "SOP models", summary: "The fetchers' presets" },
  { method: "post", path: "/api/v1/models/register", tag: "SOP models", summary: "Load a local GGUF model on a worker", body: SopRegisterBody },
  { method: "post", path: "/api/v1/models/register-from-preset", tag: "SOP models", summary: "Pull a preset (auto_download) and load it", body: SopPresetBody },
  { method: "post", path: "/api/v1/models/check-compatibility", tag: "SOP models", summary: "Whether a preset fits the roomiest worker", body: SopCompatibilityBody },
  { method: "post", path: "/api/v1/models/load", tag: "SOP models", summary: "Load a model on a worker", body: SopLoadBody },
  { method: "post", path: "/api/v1/models/unload", tag: "SOP models", summary: "Unload a model", body: SopUnloadBody },
  { method: "get", path: "/api/v1/models/{name}", tag: "SOP models", summary: "One model" },
  { method: "delete", path: "/api/v1/models/{name}", tag: "SOP models", summary: "Unload a model from every worker (the file stays)" },
  { method: "post", path: "/api/v1/embeddings", tag: "SOP embeddings", summary: "Embeddings of texts", body: SopEmbeddingsBody },
  { method: "post", path: "/api/v1/embeddings/similarity", tag: "SOP embeddings", summary: "Similarity of text1 and text2", body: SopSimilarityBody },
  { method: "get", path: "/api/v1/monitor/health", tag: "SOP monitor", summary: "Health of NATS and the workers" },
  { method: "get", path: "/api/v1/monitor/gpu", tag: "SOP monitor", summary: "GPU memory from the workers' heartbeats" },
  { method: "get", path: "/api/v1/monitor/queue", tag: "SOP monitor", summary: "Jobs waiting for a slot" },
  { method: "get", path: "/api/v1/monitor/logs", tag: "SOP monitor", summary: "The fleet's recent log lines (admin token)" },
  { method: "get", path: "/api/v1/monitor/stats", tag: "SOP monitor", summary: "Today's counts" },
];

let document: object | undefined;

/** The gateway's OpenAPI 3.1 document, built once. */
export function gatewayOpenApi(): object {
  if (document) return document;
  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(op.body) } } } } : {}),
      responses: { 200: { description: "OK" }, 422: { description: "Bad input (SOP routes: FastAPI's `{detail}`)" } },
    };
  }
  document = { openapi: "3.1.0", info: { title: "Lantern gateway API", version: "1" }, paths };
  return document;
}
