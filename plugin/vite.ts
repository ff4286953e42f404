/**
 * The Vite plugin: `import marionette from 'marionette-sim/vite'`, then
 * `plugins: [marionette({ include: ['src/**'], simulate: ['some-dep'] })]`.
 * Under Vitest it also inlines the `simulate` packages and installs the
 * CommonJS require hook (see docs/transform.md).
 */
import type { UnpluginInstance } from 'unplugin'
import { marionette } from './index.js'
import type { MarionetteOptions } from './options.js'

export type { MarionetteOptions } from './options.js'
const plugin: UnpluginInstance<MarionetteOptions | undefined, false>['vite'] = marionette.vite
export default plugin
