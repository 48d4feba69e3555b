// zod v4 `z.toJSONSchema` fixtures. Uses the zod the repository has installed (root dependency).
// Each case is an arrow function; its body is the `code` stored with the schema it returned.
//
//   node shared/src/grammar/corpus/make/zod-schemas.mjs
import { createRequire } from "node:module";
import { bodyOf, writeFixture } from "./capture.mjs";
import { structureCases } from "./zod-schemas/structure-cases.mjs";
import { typeCases } from "./zod-schemas/type-cases.mjs";

const zodVersion = createRequire(import.meta.url)("zod/package.json").version;
const SOURCE = `zod ${zodVersion} toJSONSchema`;
const HEADER = 'import { z } from "zod";\n\n';

const cases = { ...typeCases, ...structureCases };

for (const [name, fn] of Object.entries(cases)) {
  const schema = fn();
  writeFixture(`zod-${name}.json`, { source: SOURCE, code: HEADER + bodyOf(fn), schema });
}
