import { defineConfig } from 'vitest/config'
import marionette from './plugin/vitest.js'
import projects from './vitest.workspace.js'

export default defineConfig({
  // The examples are plain code (setTimeout, Math.random, process.hrtime): they run
  // transformed, so inside a simulation those are the simulated ones. Their tests are not.
  plugins: [marionette({ include: ['examples/**'], exclude: ['examples/**/*.test.ts'] })],
  test: {
    projects,
    testTimeout: 60_000,
  },
})
