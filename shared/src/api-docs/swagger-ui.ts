import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono, type Env } from "hono";

// Served from the installed package, never a CDN: the docs must work on a machine with no internet.
const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};
const cache = new Map<string, Uint8Array<ArrayBuffer>>();
const readAsset = (file: string) => {
  let data = cache.get(file);
  if (!data) {
    data = new Uint8Array(readFileSync(join(assetsDir, file)));
    cache.set(file, data);
  }
  return data;
};

/** Swagger UI over `specUrl`; read-only: every operation expanded, no "try it out". */
function page(title: string, specUrl: string, readOnly: boolean): string {
  const options = readOnly ? `docExpansion: "full", supportedSubmitMethods: [], defaultModelsExpandDepth: 2,` : "persistAuthorization: true,";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title}</title>
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: ${JSON.stringify(specUrl)},
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      ${options}
    });
  </script>
</body>
</html>`;
}

/**
 * `/docs` (Swagger UI over the document at `specUrl`, from local assets under `/docs/assets/`) and,
 * when `readOnlyPath` is given, the same reference read-only and expanded there (no ReDoc package
 * is installed, and the pages load nothing from outside).
 */
export function swaggerUiRoutes<E extends Env>(opts: { title: string; specUrl: string; readOnlyPath?: string }): Hono<E> {
  const app = new Hono<E>();
  app.get("/docs", (c) => c.html(page(opts.title, opts.specUrl, false)));
  if (opts.readOnlyPath) app.get(opts.readOnlyPath, (c) => c.html(page(opts.title, opts.specUrl, true)));
  app.get("/docs/assets/:file", (c) => {
    const file = c.req.param("file");
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return c.body(readAsset(file), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
  return app;
}
