/** The Rollup plugin: `import marionette from 'marionette-sim/rollup'`, `plugins: [marionette({ include: ['src/**'] })]`. */
import type { UnpluginInstance } from 'unplugin'
import { marionette } from './index.js'
import type { MarionetteOptions } from './options.js'

export type { MarionetteOptions } from './options.js'
const plugin: UnpluginInstance<MarionetteOptions | undefined, false>['rollup'] = marionette.rollup
export default plugin
