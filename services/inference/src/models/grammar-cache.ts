import type { GbnfJsonSchema, Llama, LlamaGrammar } from "node-llama-cpp";
import type { OutputFormat } from "@lantern/shared/contracts";

/** A format the grammar builder refused; the job is answered with an error, the worker goes on. */
export class OutputFormatError extends Error {
  override name = "OutputFormatError";
}

// Compiling a schema into a grammar costs milliseconds to seconds; clients tend to reuse a few.
const DEFAULT_CAPACITY = 32;

/** Compiled grammars by format, least recently used dropped first. */
export class GrammarCache {
  private readonly entries = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llama: Llama,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  async grammarFor(format: OutputFormat): Promise<LlamaGrammar> {
    const key = format.type === "json" ? "json" : `schema:${JSON.stringify(format.schema)}`;
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
      // The gateway checked the schema against the subset the builder supports.
      return await this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(format.schema as GbnfJsonSchema);
    } catch (err) {
      throw new OutputFormatError(`The output format cannot be turned into a grammar: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
}
