// Helpers shared by the corpus generator scripts: where fixtures go, how a case's code is
// turned into the `code` string, how the SDKs installed under .data/ are loaded, and the local
// HTTP server that stands in for the OpenAI API and records what each SDK sends.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = resolve(here, "../schemas");
export const REPO_ROOT = resolve(here, "../../../../..");

/** The scratch install of the SDKs (see ../README.md); override with CORPUS_TOOLS. */
export const TOOLS_DIR = process.env.CORPUS_TOOLS ?? join(REPO_ROOT, ".data/schema-corpus-tools");

const toolsRequire = createRequire(join(TOOLS_DIR, "package.json"));

/**
 * Loads a package from the scratch install. Everything an SDK script uses (the SDK and zod)
 * comes through here, so the SDK and the schemas share one zod instance.
 */
export function tool(specifier) {
  return toolsRequire(specifier);
}

/** The version of a package in the scratch install. */
export function toolVersion(name) {
  return JSON.parse(readFileSync(join(TOOLS_DIR, "node_modules", name, "package.json"), "utf8")).version;
}

/** The body of an arrow function, dedented: the code a case runs, as written in the script. */
export function bodyOf(fn) {
  const text = fn.toString();
  const head = text.match(/^\s*(async\s*)?\([^)]*\)\s*=>\s*\{/);
  const close = text.lastIndexOf("}");
  if (head === null || close < head[0].length) {
    throw new Error(`case must be an arrow function with a block body: ${text.slice(0, 80)}`);
  }
  const lines = text.slice(head[0].length, close).split("\n");
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.match(/^ */)[0].length));
  return lines.map((l) => l.slice(indent)).join("\n") + "\n";
}

export function writeFixture(fileName, entry) {
  mkdirSync(OUT_DIR, { recursive: true });
  const ordered = { source: entry.source, code: entry.code };
  for (const key of ["via", "strict", "name"]) if (entry[key] !== undefined) ordered[key] = entry[key];
  ordered.schema = entry.schema;
  writeFileSync(join(OUT_DIR, fileName), JSON.stringify(ordered, null, 2) + "\n");
  console.log(`wrote schemas/${fileName}`);
}

/**
 * A stand-in for the OpenAI chat completions endpoint on 127.0.0.1 (port 0). It keeps every
 * request body and answers with a minimal valid chat completion whose content is `{}`.
 */
export async function startRecorder() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = { unparsed: text };
      }
      requests.push({ method: req.method, url: req.url, body });
      const reply = JSON.stringify({
        id: "chatcmpl-corpus",
        object: "chat.completion",
        created: 0,
        model: body.model ?? "gpt-4o-mini",
        choices: [
          { index: 0, message: { role: "assistant", content: "{}" }, logprobs: null, finish_reason: "stop" },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(reply) });
      res.end(reply);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    /** Runs one client call, swallowing the parse errors a `{}` answer causes, and returns the one request body it sent. */
    async capture(run) {
      const before = requests.length;
      try {
        await run();
      } catch {
        // `{}` does not satisfy most schemas; the request was already recorded.
      }
      const sent = requests.slice(before);
      if (sent.length !== 1) throw new Error(`expected one request, got ${sent.length}`);
      return sent[0].body;
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Splits what a request carried into fixture fields. */
export function fromResponseFormat(body) {
  const rf = body.response_format;
  if (rf?.type !== "json_schema") throw new Error(`no json_schema response_format: ${JSON.stringify(rf)}`);
  return { via: "response_format", strict: rf.json_schema.strict ?? false, name: rf.json_schema.name, schema: rf.json_schema.schema };
}

export function fromTool(body, index = 0) {
  const t = body.tools?.[index];
  if (t?.type !== "function") throw new Error(`no function tool #${index}: ${JSON.stringify(body.tools)}`);
  return { via: "tool_parameters", strict: t.function.strict ?? false, name: t.function.name, schema: t.function.parameters };
}
