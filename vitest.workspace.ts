import type { TestProjectInlineConfiguration } from 'vitest/config'

/**
 * The project list. Vitest 4 no longer reads this file by itself;
 * vitest.config.ts imports it as `test.projects`.
 */
export default [
  {
    extends: true,
    test: {
      name: 'unit',
      include: ['src/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts', 'docs/**/*.test.ts', 'plugin/**/*.test.ts', 'matchers/**/*.test.ts'],
      exclude: ['**/*.e2e.test.ts', '**/node_modules/**', 'dist/**', 'fixtures/**'],
    },
  },
  {
    extends: true,
    test: {
      name: 'e2e',
      include: ['src/**/*.e2e.test.ts', 'examples/**/*.e2e.test.ts', 'docs/**/*.e2e.test.ts', 'plugin/**/*.e2e.test.ts'],
      testTimeout: 240_000,
      hookTimeout: 240_000,
    },
  },
] satisfies TestProjectInlineConfiguration[]
