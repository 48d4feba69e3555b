import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// Served from the installed package, never a CDN: the docs must work on a machine with no internet.
const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
export const DOCS_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};
const cache = new Map<string, Uint8Array<ArrayBuffer>>();

export function readDocsAsset(file: string): Uint8Array<ArrayBuffer> {
  let data = cache.get(file);
  if (!data) {
    data = new Uint8Array(readFileSync(join(assetsDir, file)));
    cache.set(file, data);
  }
  return data;
}

/**
 * Swagger UI over the document: `/docs` to try calls, `/redoc` the same reference read-only and
 * expanded (no ReDoc package is installed, and the pages load nothing from outside).
 */
export function docsPage(specUrl: string, readOnly: boolean): string {
  const options = readOnly ? `docExpansion: "full", supportedSubmitMethods: [], defaultModelsExpandDepth: 2,` : "";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Lantern gateway API</title>
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: "#swagger-ui", ${options} });
  </script>
</body>
</html>`;
}
