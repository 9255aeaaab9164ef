import { defineConfig } from 'vitest/config';

// Three tiers, by file name (STYLE.md §8): *.unit.test.ts (no IO),
// *.int.test.ts (one real service), *.e2e.test.ts (the whole pipeline).
// The int and e2e tiers share one stack, so their files run one at a time.
// *.cluster.test.ts: fault scenarios of the cluster topology only (make test-cluster).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts', '**/*.unit.test.tsx'], exclude: ['node_modules/**', '.stack/**'] } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['**/*.cluster.test.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
