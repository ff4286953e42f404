import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { run } from '../run/run.js'
import { BUILTIN_WRAPPER_FILES, type BuiltinModule } from './builtins/registry.js'
import { renderWrapper, wrapperPath } from './builtins/render.js'

const MODULES = Object.keys(BUILTIN_WRAPPER_FILES) as BuiltinModule[]
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const write = process.env.MARIONETTE_WRITE_WRAPPERS === '1'

async function realExports(module: BuiltinModule): Promise<string[]> {
  return Object.keys((await import(/* @vite-ignore */ `node:${module}`)) as object).sort()
}

async function wrapper(module: BuiltinModule): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ `./${wrapperPath(module).replace(/\.ts$/, '.js')}`)) as Record<string, unknown>
}

describe('builtin-module wrappers', () => {
  test.each(MODULES)('the committed %s wrapper is the generator output for this Node', async (module) => {
    const expected = renderWrapper(module, await realExports(module))
    const path = here(wrapperPath(module))
    if (write) writeFileSync(path, expected)
    expect(readFileSync(path, 'utf8')).toBe(expected)
  })

  test.each(MODULES)('%s exports every export of the real module, and a module object', async (module) => {
    const ns = await wrapper(module)
    const names = Object.keys(ns).filter((name) => name !== 'module.exports')
    expect(names.sort()).toEqual(await realExports(module))
    const real = (await import(/* @vite-ignore */ `node:${module}`)) as { default: object }
    // The module object is a stand-in for the real one: same members, same prototype.
    expect(Object.keys(ns.default as object).sort()).toEqual(Object.keys(real.default).sort())
    expect(Object.getPrototypeOf(ns.default)).toBe(Object.getPrototypeOf(real.default))
    expect(ns['module.exports']).toBe(ns.default)
  })

  test.each(MODULES)('%s: outside a simulation the non-function exports are the real values', async (module) => {
    const real = (await import(/* @vite-ignore */ `node:${module}`)) as Record<string, unknown>
    const ns = await wrapper(module)
    for (const name of Object.keys(real)) {
      if (name === 'default' || typeof real[name] === 'function') continue
      // The wrappers' nested module objects stand in for the real ones.
      if (['promises', 'webcrypto', 'subtle', 'scheduler'].includes(name)) continue
      expect(ns[name], `${module}.${name}`).toBe(real[name])
    }
  })

  test('nested module objects are the wrappers, named as in code', async () => {
    const fs = await wrapper('fs')
    const fs_promises = await wrapper('fs/promises')
    const timers = await wrapper('timers')
    const timers_promises = await wrapper('timers/promises')
    expect(fs.promises).toBe(fs_promises.default)
    expect(timers.promises).toBe(timers_promises.default)
    // Import outside: a real dynamic import inside a simulation is real I/O the loop cannot see.
    const dns = await wrapper('dns')
    const report = await run(
      () => {
        expect(() => (dns.promises as { lookup(host: string): unknown }).lookup('example.com')).toThrow(/dns\.promises\.lookup/)
      },
      { seed: 1, replay: false },
    )
    expect(report.error).toBeNull()
  })
})
