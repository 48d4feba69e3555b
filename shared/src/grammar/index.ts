export { jsonSchemaToGbnf, type SchemaGrammarOptions } from "./json-schema-grammar.js";
export { UnsupportedSchemaError } from "./json-schema-keywords.js";
export { SUPPORTED_FORMATS } from "./json-primitives.js";
export { parseGbnf, GbnfSyntaxError } from "./gbnf-syntax.js";
export { GbnfSampler } from "./gbnf-sample.js";
