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
    rolldownOptions: {
      // Two pages: the console, and /account/delete (Google Play's web link to delete an
      // account, served by backend/auth/routes.py); they share the Firebase SDK's chunk.
      input: { index: here("index.html"), "account-delete": here("account-delete.html") },
    },
  },
  server: { fs: { allow: [here("../../..")] } },
});
