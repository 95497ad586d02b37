import { defineConfig } from 'vitest/config';

// Files run one at a time: the integration tests start real nats-servers and host processes, and
// on a 2-core machine running them side by side makes timing-based checks (idle thresholds) flaky
// without making the suite faster.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
    fileParallelism: false,
  },
});
