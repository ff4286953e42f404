/**
 * tidy reports what the transform does not redirect: its tables are the transform's own
 * (plugin/redirected.ts), and here the two agree snippet by snippet on what is left alone.
 */
import { describe, expect, it } from 'vitest'
import { transformCode } from '../../plugin/transform.js'
import { spelledOut } from './globals.js'
import { lintSource } from './lint.js'
import { classifyModule } from './modules.js'

describe('the transform and tidy agree, snippet by snippet', () => {
  /** Whether the transform changes `code` at all (every snippet uses one redirected API, once). */
  function redirected(code: string, file: string): boolean {
    return transformCode(code, `/project/${file}`, { platform: '/platform.js', moduleSpecifier: (m) => `/sim/${m}.js`, sourcemap: false }) !== null
  }

  const snippets: Array<{ code: string; file?: string }> = [
    { code: `setTimeout(f, 1)` },
    { code: `globalThis.setTimeout(f, 1)` },
    { code: `globalThis['setTimeout'](f, 1)` },
    { code: `global.Date.now()` },
    { code: `globalThis.Math.random()` },
    { code: `Math['random']()` },
    { code: `process.hrtime()` },
    { code: `crypto.randomUUID()` },
    { code: `import fs from 'node:fs'; fs.readFileSync('x')` },
    { code: `const fs = require('fs')`, file: 'a.cjs' },
    { code: `window.setTimeout(f, 1)` },
    { code: `self.Date.now()` },
    { code: 'globalThis[`setTimeout`](f, 1)' },
    { code: `const KEY = 'setTimeout'; globalThis[KEY](f, 1)` },
    { code: 'Math[`random`]()' },
    { code: `window.Math.random()` },
    { code: `import process from 'node:process'; process.hrtime()` },
    { code: `import { hrtime } from 'node:process'; hrtime()` },
    { code: `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); require('fs')` },
    { code: `module.require('fs')`, file: 'a.cjs' },
  ]

  it.each(snippets)('$code', ({ code, file = 'a.ts' }) => {
    const reported = lintSource(file, code).some((finding) => finding.rule === 'computed-global')
    expect(reported).toBe(!redirected(code, file))
  })
})

describe('helpers', () => {
  it('spells a redirected name as the transform wants it', () => {
    expect(spelledOut('globalThis', 'setTimeout')).toBe('setTimeout')
    expect(spelledOut('Math', 'random')).toBe('Math.random')
  })

  it('classifies module specifiers', () => {
    expect(classifyModule('node:vm')?.rule).toBe('eval')
    expect(classifyModule('cluster')?.rule).toBe('threads')
    expect(classifyModule('@mapbox/node-pre-gyp/lib/x.js')?.rule).toBe('native-addon')
    expect(classifyModule('node-gyp-build/index.js')?.rule).toBe('native-addon')
    expect(classifyModule('./native/binding.node')?.rule).toBe('native-addon')
    expect(classifyModule('node:https')?.rule).toBe('real-io')
    for (const fine of ['fs', 'node:net', './bindings', 'bindingsx', '@scope/bindings', 'vm2', 'node:worker']) expect(classifyModule(fine)).toBeNull()
  })
})
