// The moderator console: built into backend/console/dist/ and served by Starlette at /console.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/console/",
  // Vite's public/ folder is not used: everything goes through the bundle and gets a hashed name.
  publicDir: false,
  resolve: {
    alias: {
      // The GraphQL documents live with the app's others: production runs only those (allowlist).
      "@operations": here("../../../graphql/operations/console"),
      "@content": here("../../../content"),
    },
  },
  build: {
    outDir: here("../dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    // Every file under assets/ has a content hash in its name: served with immutable caching.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  server: { fs: { allow: [here("../../..")] } },
});
