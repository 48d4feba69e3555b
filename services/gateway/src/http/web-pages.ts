import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Hono, type MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { serveStatic } from "@hono/node-server/serve-static";
import type { GatewayEnv } from "../context/gateway-env.js";
import { setResponseHeader } from "../context/response-headers.js";

/** The pages of the web app; each is the same document, which shows the page its path names. */
const WEB_PAGES = ["/", "/pipelines", "/models", "/usage", "/monitor", "/keys"] as const;

/** Built files have content hashes in their names: a browser may keep them for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The built web app (`web/dist`): its pages, and its assets under `/assets`. The document is read
 * per request and never cached, so a rebuild shows at the next load.
 */
export function webPageRoutes(webDir: string) {
  // serveStatic takes a root relative to the working directory; made at first use, once the build exists.
  let assets: MiddlewareHandler | undefined;
  const app = new Hono<GatewayEnv>();
  app.use("/assets/*", compress(), (c, next) => {
    assets ??= serveStatic({ root: relative(process.cwd(), webDir), onFound: (_path, ctx) => ctx.header("Cache-Control", IMMUTABLE) });
    return assets(c, next);
  });
  for (const page of WEB_PAGES) {
    app.get(page, async (c) => {
      const html = await readFile(join(webDir, "index.html"), "utf8").catch(() => null);
      setResponseHeader(c, "cache-control", "no-cache");
      if (html === null) return c.text("The web app is not built: run `node scripts/ensure-web.mjs` (npm start does).", 503);
      return c.html(html);
    });
  }
  return app;
}
