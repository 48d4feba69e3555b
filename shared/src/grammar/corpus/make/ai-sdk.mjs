// Vercel AI SDK 5 fixtures: the request bodies that `generateObject` and `generateText({ tools })`
// send, captured by a local HTTP server (capture.mjs) that stands in for the OpenAI API.
// The SDK, its providers and zod come from the scratch install in .data/ (see ../README.md).
//
//   node shared/src/grammar/corpus/make/ai-sdk.mjs
import { bodyOf, fromResponseFormat, fromTool, startRecorder, toolVersion, writeFixture } from "./capture.mjs";
import { objectCases } from "./ai-sdk/object-cases.mjs";
import { HEADER } from "./ai-sdk/sdk.mjs";
import { toolCases } from "./ai-sdk/tool-cases.mjs";

const recorder = await startRecorder();
try {
  for (const [name, [source, fn]] of Object.entries(objectCases)) {
    const body = await recorder.capture(() => fn({ baseURL: recorder.baseURL }));
    writeFixture(`ai-sdk-${name}.json`, {
      source: `ai-sdk ${toolVersion("ai")} generateObject request (${source})`,
      code: HEADER + bodyOf(fn),
      ...fromResponseFormat(body),
    });
  }
  for (const [name, [source, fn]] of Object.entries(toolCases)) {
    const body = await recorder.capture(() => fn({ baseURL: recorder.baseURL }));
    for (let i = 0; i < body.tools.length; i++) {
      const entry = fromTool(body, i);
      writeFixture(`ai-sdk-${name}-${entry.name}.json`, {
        source: `ai-sdk ${toolVersion("ai")} generateText tools request (${source})`,
        code: HEADER + bodyOf(fn),
        ...entry,
      });
    }
  }
} finally {
  await recorder.close();
}
