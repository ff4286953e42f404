/**
 * The Vitest entry: `import marionette from 'marionette-sim/vitest'` gives the
 * same Vite plugin as `marionette-sim/vite` (Vitest runs Vite plugins), and
 * `import { test } from 'marionette-sim/vitest'` gives Vitest's `test` with
 * `test.sim` (simulated tests; see docs/vitest.md).
 */
import type { UnpluginInstance } from 'unplugin'
import { marionette } from './index.js'
import type { MarionetteOptions } from './options.js'

export type { MarionetteOptions } from './options.js'
export {
  test,
  fullTestName,
  InvalidSimOption,
  DEFAULT_FUZZ_TIMEOUT_MS,
  PROFILE_NAMES,
  type MarionetteTestAPI,
  type ProfileName,
  type SimFixtures,
  type SimFuzzAPI,
  type SimFuzzOptions,
  type SimRunOptions,
  type SimTestAPI,
  type SimTestContext,
  type SimTestFunction,
  type SimTestOptions,
} from './test_sim.js'
export { DEFAULT_RUN_SEED, deriveSweepSeeds, deriveTestSeed, InvalidRunSeed, pinnedReplayCommand, replayCommand, REPLAY_SEED_ENV, resolveRunSeed, SEED_ENV } from './seeds.js'
// The matchers' types (registered on `expect` by the plugin's setup file) come with this entry.
export type { MarionetteMatchers, MatcherReceived, MatcherRunOptions } from '../matchers/index.js'
export { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
const plugin: UnpluginInstance<MarionetteOptions | undefined, false>['vite'] = marionette.vite
export default plugin
