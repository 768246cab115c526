import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `make ui-dev`: hot reload on :5173, API calls proxied to `make run`'s API (LAUNCHBAY_API to change it).
export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: { "/v1": process.env.LAUNCHBAY_API ?? "http://127.0.0.1:8000" },
  },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 400 },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // the machines running CI are shared and loaded: user-event flows take seconds there, not ms
    testTimeout: 20_000,
  },
});
