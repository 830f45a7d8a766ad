// Tests that load the machine on purpose (`*.solo.test.ts`), one at a time with nothing beside them
// (vitest.config.ts leaves them out). Not merged with that config: mergeConfig concatenates include/exclude.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.solo.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
