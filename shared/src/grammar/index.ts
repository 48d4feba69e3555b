export { jsonSchemaToGbnf } from "./json-schema-grammar.js";
export { UnsupportedSchemaError } from "./json-schema-keywords.js";
export { parseGbnf, GbnfSyntaxError } from "./gbnf-syntax.js";
export { GbnfSampler } from "./gbnf-sample.js";
