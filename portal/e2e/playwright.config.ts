import { defineConfig } from "@playwright/test";

// The gateway comes from e2e/stack.py, which starts a private stack and
// runs Playwright with its address: `npm run e2e`.
const baseURL = process.env.HOMEHOST_E2E_BASE_URL;
if (!baseURL) {
  throw new Error("HOMEHOST_E2E_BASE_URL is not set: run the browser tests with `npm run e2e`");
}

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  // One stack, one browser at a time: the tests share the gateway's accounts.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "../test-results",
  use: {
    baseURL,
    browserName: "chromium",
    locale: "en-US",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: no browser download works here.
      executablePath: process.env.HOMEHOST_E2E_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
