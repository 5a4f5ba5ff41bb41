import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The dashboard: a static single-page app served at /app/ (locally by local/http.ts, in AWS from
 * S3 behind the API's CloudFront distribution). `npm run build` writes web/dist; extra arguments
 * reach vite (`npm run build -- --outDir /abs/dir --emptyOutDir`, as the CDK asset bundling does;
 * a relative --outDir is taken relative to web/, vite's root).
 */
const root = fileURLToPath(new URL(".", import.meta.url));
// `npm start` answers the API, the WebSocket and /app/config.json; `npx vite --config web/vite.config.ts`
// serves the page with hot reload and forwards those to it.
const api = `http://127.0.0.1:${process.env.PORT ?? "8000"}`;

export default defineConfig({
  root,
  base: "/app/",
  publicDir: "public",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
    // One small CSS file and the app; lightweight-charts stays a lazily loaded chunk of its own.
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      "/app/config.json": api,
      "/api": api,
      "/traders": api,
      "/followers": api,
      "/health": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});
