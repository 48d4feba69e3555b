import { createHash } from "node:crypto";
import type { GbnfJsonSchema, Llama } from "node-llama-cpp";
import { jsonSchemaToGbnf } from "@lantern/shared/grammar";

/*
 * LlamaChat builds the grammar for a function call's arguments itself, from the function's
 * schema, with its own narrower converter. To enforce Lantern's grammar instead, each function is
 * handed a stand-in schema carrying a marker; the llama's grammar constructor is wrapped so that a
 * grammar text holding a marker is replaced by Lantern's grammar for the real schema. The stand-in
 * accepts any object when LlamaChat checks the parsed arguments, which Lantern's grammar already
 * constrained. The chat template still documents the real schema to the model.
 */

const MARKER = "lantern-tool-params-";
const MARKER_PATTERN = new RegExp(`${MARKER}([0-9a-f]{64})`);
// LlamaChat stops reading arguments at this run of newlines; the JSON grammar never writes two in a row.
const ARGUMENTS_END = `"\\n\\n\\n\\n"`;
const CAPACITY = 256;

type GrammarConstructor = new (text: string, options: object) => object;
interface GrammarBindings {
  AddonGrammar: GrammarConstructor;
  [WRAPPED]?: ToolParamsGrammars;
}
const WRAPPED = Symbol("lantern.toolParamsGrammars");

/** Lantern's grammars for function arguments, by schema digest, compiled once each. */
export class ToolParamsGrammars {
  private readonly texts = new Map<string, string>();
  private readonly compiled = new Map<string, object>();

  /** The one instance for this llama's bindings, installing the wrapper on first use. */
  static for(llama: Llama): ToolParamsGrammars {
    const bindings = (llama as unknown as { _bindings: GrammarBindings })._bindings;
    const existing = bindings[WRAPPED];
    if (existing) return existing;
    const registry = new ToolParamsGrammars();
    const original = bindings.AddonGrammar;
    bindings.AddonGrammar = new Proxy(original, {
      construct: (target, args: [string, object]) => registry.construct(target, args[0], args[1]),
    });
    bindings[WRAPPED] = registry;
    return registry;
  }

  /** The schema to hand LlamaChat for a function whose arguments follow `schema`. */
  standIn(schema: Record<string, unknown>): GbnfJsonSchema {
    const digest = createHash("sha256").update(JSON.stringify(schema)).digest("hex");
    if (!this.texts.has(digest)) {
      const rules = jsonSchemaToGbnf(schema, { rootRule: "arguments" });
      this.remember(this.texts, digest, `root ::= arguments ${ARGUMENTS_END}\n${rules}`);
    }
    return { oneOf: [{ type: "object", additionalProperties: true }, { const: `${MARKER}${digest}` }] } as GbnfJsonSchema;
  }

  private construct(target: GrammarConstructor, text: string, options: object): object {
    const digest = MARKER_PATTERN.exec(text)?.[1];
    const replacement = digest === undefined ? undefined : this.texts.get(digest);
    if (digest === undefined || replacement === undefined) return new target(text, options);
    // A compiled grammar holds only its rules; each use makes its own evaluation state.
    let grammar = this.compiled.get(digest);
    if (!grammar) {
      grammar = new target(replacement, options);
      this.remember(this.compiled, digest, grammar);
    }
    return grammar;
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > CAPACITY) map.delete(map.keys().next().value!);
  }
}
