import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The dev server hands /api to a gateway started with `homehost run`.
const gateway = process.env.HOMEHOST_PORTAL_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: { "/api": { target: gateway, changeOrigin: false } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // One admin app, loaded once and then cached for good (hashed names):
    // a single bundle of about 200 kB gzipped is fine, even on a phone.
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
