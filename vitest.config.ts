import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // `*.solo.test.ts` load both cores on purpose (a flood); they run afterwards, alone (vitest.solo.config.ts),
    // so they cannot starve a neighbour's timing-sensitive hook or watchdog into a false failure.
    exclude: ['**/node_modules/**', 'test/**/*.solo.test.ts'],
    // Integration tests start real servers and child processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A test that leaves a server running fails the run instead of hanging CI.
    teardownTimeout: 10_000,
  },
});
