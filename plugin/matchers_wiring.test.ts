/**
 * The repository's own vitest.config.ts uses the plugin; this file never calls
 * expect.extend, so the matchers work here only if the plugin registered them.
 */
import { expect, test } from 'vitest'
import type {} from '../matchers/index.js'
import { run } from '../src/run/run.js'

test('the plugin registers the matchers through its setup file', async () => {
  const report = await run((sim) => void sim.check('synced record recovered', () => true), { seed: 1 })
  await expect(report).toPassChecks()
  await expect(report).toHaveTraced('check', { name: 'synced record recovered', passed: true })
})
