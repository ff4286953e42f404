/**
 * The Vitest entry: `import marionette from 'marionette-sim/vitest'` gives the
 * same Vite plugin as `marionette-sim/vite` (Vitest runs Vite plugins).
 */
import type { UnpluginInstance } from 'unplugin'
import { marionette } from './index.js'
import type { MarionetteOptions } from './options.js'

export type { MarionetteOptions } from './options.js'
const plugin: UnpluginInstance<MarionetteOptions | undefined, false>['vite'] = marionette.vite
export default plugin
