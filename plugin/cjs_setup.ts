/**
 * A Vitest setup file the marionette-sim plugin appends to `test.setupFiles`
 * when `simulate` lists packages: installs the CommonJS require hook
 * (`cjs_hook.ts`) in the test worker, for the packages the plugin provided.
 */
import { inject } from 'vitest'
import { installCjsHook } from './cjs_hook.js'
import { CJS_PROVIDE_KEY } from './vitest_config.js'

const config = inject(CJS_PROVIDE_KEY)
if (config !== undefined && config.simulate.length > 0) installCjsHook(config.simulate)
