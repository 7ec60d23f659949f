import { defineConfig } from "@playwright/test";

// Runs against an already started server (scripts/test.sh starts one and waits
// for /health). Uses the system Chromium: Playwright never downloads a browser here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  workers: 1,
  retries: 0,
  // The JUnit report is what scripts/test.sh counts (scripts/e2e.sh names its path).
  reporter: [
    ["list"],
    ["junit", { outputFile: process.env.PEDIGREE_JUNIT ?? "test-results/junit.xml" }],
  ],
  use: {
    baseURL: BASE_URL,
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
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
  projects: [{ name: "system-chromium" }],
});
