// Renderer e2e (DESIGN.md "Testing on these machines"): the inbox UI as a real page in Debian's Chromium,
// against a live `push-relay daemon` and an in-process reference server (fixtures in test/e2e/renderer/).
// Playwright's own browser download cannot work here, so the system Chromium is named explicitly.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'test/e2e/renderer',
  // *.test.ts beside them are vitest's (pure renderer modules).
  testMatch: '**/*.spec.ts',
  // One daemon per worker, two shared cores: one worker, and waits on conditions rather than on time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  outputDir: 'test-results/renderer',
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.PUSH_RELAY_CHROMIUM ?? '/usr/lib/chromium/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
