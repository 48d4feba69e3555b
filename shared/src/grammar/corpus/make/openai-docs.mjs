// OpenAI documentation examples, written out as the docs show them (the JSON a user copies into
// `response_format` or `tools`). Each fixture's `code` is that JSON text with a comment naming where
// it comes from; `schema` is parsed out of the same text, so the two cannot drift apart.
//
// Sources: the Structured Outputs guide (platform.openai.com/docs/guides/structured-outputs,
// "Examples" and "Supported schemas" sections), the function calling guide
// (platform.openai.com/docs/guides/function-calling), and the cookbook notebook
// openai-cookbook/examples/Structured_Outputs_Intro.ipynb. The cookbook examples were checked
// against the notebook's text; the guide examples were transcribed without access to the live
// page (this environment has no internet), so descriptions may differ in wording from today's docs.
//
//   node shared/src/grammar/corpus/make/openai-docs.mjs
import { writeFixture } from "./capture.mjs";
import { guideExamples } from "./openai-docs/guide-examples.mjs";
import { guideSupportedSchemas } from "./openai-docs/guide-supported-schemas.mjs";
import { toolAndCookbookExamples } from "./openai-docs/tools-and-cookbook.mjs";

/** [file name, where, how it is sent, the JSON text as the docs show it] */
const examples = [...guideExamples, ...guideSupportedSchemas, ...toolAndCookbookExamples];

for (const [name, where, kind, text] of examples) {
  const sent = JSON.parse(text);
  const code = `// ${where}\n${text}\n`;
  if (kind === "response_format") {
    const js = sent.json_schema;
    writeFixture(`openai-docs-${name}.json`, {
      source: "openai docs",
      code,
      via: "response_format",
      strict: js.strict ?? false,
      name: js.name,
      schema: js.schema,
    });
  } else {
    const fn = sent.function;
    writeFixture(`openai-docs-${name}.json`, {
      source: "openai docs",
      code,
      via: "tool_parameters",
      // The cookbook puts "strict" next to "function" rather than inside it; record where it is.
      strict: fn.strict ?? false,
      name: fn.name,
      schema: fn.parameters,
    });
  }
}
