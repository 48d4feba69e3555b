import { createHash } from "node:crypto";
import type { Llama, LlamaGrammar } from "node-llama-cpp";
import type { OutputFormat } from "@lantern/shared/contracts";
import { jsonSchemaToGbnf, UnsupportedSchemaError } from "@lantern/shared/grammar";

/** A format that cannot be turned into a grammar; the job is answered with an error, the worker goes on. */
export class OutputFormatError extends Error {
  override name = "OutputFormatError";
}

// Compiling a schema into a grammar costs milliseconds to seconds; clients tend to reuse a few.
const DEFAULT_CAPACITY = 32;

/** What identifies a format: a digest of its schema or grammar text. */
const formatDigest = (format: OutputFormat): string =>
  format.type === "json" ? "json" : createHash("sha256").update(JSON.stringify(format)).digest("hex");

/** Compiled grammars by format digest, least recently used dropped first. */
export class GrammarCache {
  private readonly entries = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llama: Llama,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  async grammarFor(format: OutputFormat): Promise<LlamaGrammar> {
    const key = formatDigest(format);
    let entry = this.entries.get(key);
    if (entry) {
      // Re-inserted so the Map's order stays least-recently-used first.
      this.entries.delete(key);
    } else {
      entry = this.compile(format);
      // A failed compile is not kept: the next job gets the same error afresh.
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  private async compile(format: OutputFormat): Promise<LlamaGrammar> {
    try {
      if (format.type === "json") return await this.llama.getGrammarFor("json");
      // The gateway converted the schema (and parsed the grammar) once already, to refuse what cannot be enforced.
      const grammar = format.type === "gbnf" ? format.grammar : jsonSchemaToGbnf(format.schema);
      return await this.llama.createGrammar({ grammar });
    } catch (err) {
      const detail = err instanceof UnsupportedSchemaError ? `This JSON schema cannot be enforced: ${err.message}` : String(err instanceof Error ? err.message : err);
      throw new OutputFormatError(`The output format cannot be turned into a grammar: ${detail}`, { cause: err });
    }
  }
}
