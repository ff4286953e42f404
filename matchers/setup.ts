/**
 * Vitest setup file: registers the Marionette matchers on Vitest's `expect`.
 * The plugin appends this file to `test.setupFiles`; a project without the
 * plugin can list it (`marionette-sim/matchers/setup`) itself.
 */
import { expect } from 'vitest'
import { marionetteMatchers } from './index.js'

expect.extend(marionetteMatchers)
