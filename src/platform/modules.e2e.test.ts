import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { BUILTIN_WRAPPER_FILES, type BuiltinModule } from './builtins/registry.js'

const MODULES = Object.keys(BUILTIN_WRAPPER_FILES) as BuiltinModule[]
const built = (module: BuiltinModule): string =>
  fileURLToPath(new URL(`../../dist/src/platform/modules/${BUILTIN_WRAPPER_FILES[module]}.js`, import.meta.url))
const require = createRequire(import.meta.url)

// Node's own require() of the built wrappers (require(esm), Node >= 20.19), as the CommonJS hook's output does.
describe.runIf(existsSync(built('fs')))('built builtin-module wrappers under require()', () => {
  test.each(MODULES)('require() of the %s wrapper returns the module object, with the real members', (module) => {
    const required = require(built(module)) as Record<string, unknown>
    const real = require(`node:${module}`) as Record<string, unknown>
    expect(Object.keys(required).sort()).toEqual(Object.keys(real).sort())
    expect(Object.getPrototypeOf(required)).toBe(Object.getPrototypeOf(real))
  })
})
