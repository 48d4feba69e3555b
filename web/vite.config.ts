import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// `pnpm --filter @lantern/web dev`: hot reload on :5173, the API and sockets forwarded to a running gateway.
const gateway = process.env.LANTERN_GATEWAY_URL ?? "http://127.0.0.1:8002";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      "/v1": { target: gateway, ws: true, changeOrigin: true },
      "/admin/api": { target: gateway, changeOrigin: true },
    },
  },
});
