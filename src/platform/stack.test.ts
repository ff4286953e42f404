import { describe, expect, test } from 'vitest'
import { callerFrames, callerLocation, classifyFrames, displayPath, PACKAGE_ROOT, packageOf, parseStack, type Frame } from './stack.js'

const at = (file: string): Frame => ({ file, line: 1, column: 1 })

describe('leak classification', () => {
  test('the package of a path is the segment after its last node_modules', () => {
    expect(packageOf('/app/node_modules/leaky-dep/index.js')).toBe('leaky-dep')
    expect(packageOf('/app/node_modules/@acme/cache/lib/ttl.js')).toBe('@acme/cache')
    expect(packageOf('/app/node_modules/.pnpm/p-retry@6.2.0/node_modules/p-retry/index.js')).toBe('p-retry')
    expect(packageOf('/app/node_modules/outer/node_modules/inner/x.js')).toBe('inner')
    expect(packageOf('/app/node_modules/.cache/snippets/a.ts')).toBeNull()
    expect(packageOf('/app/src/store.ts')).toBeNull()
  })

  test('the first frame outside Node decides; the module loader exempts', () => {
    expect(classifyFrames([at('node:internal/timers'), at('/app/node_modules/leaky-dep/index.js')])).toMatchObject({ kind: 'package', name: 'leaky-dep' })
    expect(classifyFrames([at('node:internal/modules/cjs/loader'), at('/app/node_modules/leaky-dep/index.js')])).toEqual({ kind: 'exempt', why: 'loader' })
    expect(classifyFrames([at('/app/src/store.ts'), at('/app/node_modules/leaky-dep/index.js')])).toMatchObject({ kind: 'file', path: '/app/src/store.ts' })
    expect(classifyFrames([at('/app/node_modules/vitest/dist/runner.js')])).toEqual({ kind: 'exempt', why: 'runner' })
    expect(classifyFrames([at('/app/node_modules/@vitest/runner/dist/index.js')])).toEqual({ kind: 'exempt', why: 'runner' })
    expect(classifyFrames([at('node:internal/process/task_queues')])).toEqual({ kind: 'unknown' })
  })

  test('this package\'s own code is exempt, its examples are not', () => {
    expect(classifyFrames([at(`${PACKAGE_ROOT}src/sim/env.ts`)])).toEqual({ kind: 'exempt', why: 'own' })
    expect(classifyFrames([at(`${PACKAGE_ROOT}dist/src/sim/env.js`)])).toEqual({ kind: 'exempt', why: 'own' })
    expect(classifyFrames([at(`${PACKAGE_ROOT}plugin/transform.ts`)])).toEqual({ kind: 'exempt', why: 'own' })
    expect(classifyFrames([at(`${PACKAGE_ROOT}examples/retry_queue/queue.ts`)])).toMatchObject({ kind: 'file' })
    expect(classifyFrames([at(`${PACKAGE_ROOT}fixtures/leaky-dep/node_modules/leaky-dep/index.js`)])).toMatchObject({ kind: 'package', name: 'leaky-dep' })
  })

  test('stack strings and call sites give the same frames', () => {
    function probe(): Frame[] {
      return callerFrames(probe, 3)
    }
    const sites = probe()
    expect(sites[0]?.file).toMatch(/stack\.test\.ts$/)
    const parsed = parseStack(new Error('x').stack ?? '')
    expect(parsed[0]?.file).toBe(sites[0]?.file)
    expect(parseStack('Error: x\n    at eval (eval at run (file:///app/a.js:3:4), <anonymous>:1:1)')).toEqual([{ file: '/app/a.js', line: 3, column: 4 }])
    expect(callerLocation(new Error('x').stack ?? '')).toMatch(/stack\.test\.ts:\d+:\d+$/)
  })

  test('messages show paths relative to the working directory', () => {
    expect(displayPath(`${process.cwd()}/src/store.ts:3:4`)).toBe('src/store.ts:3:4')
    expect(displayPath('/elsewhere/x.js')).toBe('/elsewhere/x.js')
    expect(displayPath('node:fs')).toBe('node:fs')
  })
})
