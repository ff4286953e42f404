/**
 * The rules, one source text at a time: what each reports (with its position) and, as important,
 * what it does not: locals that shadow a global, literal keys, types, things the transform redirects.
 */
import { describe, expect, it } from 'vitest'
import { lintSource } from './lint.js'

/** `line:column rule` of each finding in `code` (a TypeScript file unless `file` says otherwise). */
function found(code: string, file = 'case.ts'): string[] {
  return lintSource(file, code).map((f) => `${f.line}:${f.column} ${f.rule}`)
}

function messages(code: string, file = 'case.ts'): string[] {
  return lintSource(file, code).map((f) => f.message)
}

describe('eval', () => {
  it('reports direct and indirect calls of the global eval', () => {
    expect(found(`eval('1')`)).toEqual(['1:1 eval'])
    expect(found(`(0, eval)('1')`)).toEqual(['1:5 eval'])
    expect(found(`const run = eval\nrun('1')`)).toEqual(['1:13 eval'])
    expect(found(`globalThis.eval('1'); window['eval']('2')`)).toEqual(['1:1 eval', '1:23 eval'])
    expect(messages(`(0, eval)('1')`)).toEqual(['indirect eval (0, eval) runs code the transform never sees'])
  })

  it('does not report a local eval, a method named eval, or typeof eval', () => {
    expect(found(`function f(evaluate: any) { const eval2 = evaluate; return eval2('x') }`)).toEqual([])
    expect(found(`const o = { eval(x: string) { return x } }; o.eval('x'); class K { eval() {} }`)).toEqual([])
    expect(found(`export const hasEval = typeof eval === 'function'`)).toEqual([])
    // Sloppy-mode scripts may declare a binding named eval.
    expect(found(`function f() { var eval = (x) => x; return eval('1') }`, 'sloppy.cjs')).toEqual([])
  })

  it('reports new Function and Function() on the global Function only', () => {
    expect(found(`new Function('a', 'return a')`)).toEqual(['1:5 eval'])
    expect(found(`Function('return 1')()`)).toEqual(['1:1 eval'])
    expect(found(`new globalThis.Function('x')`)).toEqual(['1:5 eval'])
    expect(found(`function make(Function: any) { return new Function('x') }`)).toEqual([])
    expect(found(`class Function {}\nnew Function()`)).toEqual([])
    expect(found(`const isFn = (x: unknown) => x instanceof Function; Function.prototype.call`)).toEqual([])
  })

  it('reports setTimeout and setInterval with a string, not with a function', () => {
    expect(found(`setTimeout('tick()', 5); setInterval(\`go(\${n})\`, 5); setTimeout('a' + b)`)).toEqual([
      '1:12 eval',
      '1:38 eval',
      '1:65 eval',
    ])
    expect(found(`setTimeout(() => tick(), 5); setTimeout(tick, 5); setInterval(fn, 1, 'arg')`)).toEqual([])
    expect(found(`function f(setTimeout: (x: string) => void) { setTimeout('not a timer') }`)).toEqual([])
  })

  it('reports loading node:vm, however it is loaded', () => {
    expect(found(`import vm from 'node:vm'`)).toEqual(['1:16 eval'])
    expect(found(`const { runInNewContext } = require('vm')`, 'a.cjs')).toEqual(['1:37 eval'])
    expect(found(`await import('vm')`, 'a.mjs')).toEqual(['1:14 eval'])
    expect(found(`import { x } from 'vmx'; import type { Context } from 'node:vm'`)).toEqual([])
  })
})

describe('computed-global', () => {
  it('reports computed keys on the global object, Math, process and crypto', () => {
    expect(found(`globalThis[name]; global[k]; window[k]; self[k]`)).toEqual(['1:1 computed-global', '1:19 computed-global', '1:30 computed-global', '1:41 computed-global'])
    expect(found(`Math[op](1, 2); process[k]; crypto[k]; globalThis.Math[k]`)).toEqual([
      '1:1 computed-global',
      '1:17 computed-global',
      '1:29 computed-global',
      '1:40 computed-global',
    ])
    expect(found(`(globalThis as any)[name]`)).toEqual(['1:1 computed-global'])
  })

  it('does not report literal keys (which the transform rewrites), symbol keys, or constants holding a symbol', () => {
    expect(found(`globalThis['setTimeout'](f); global.Date.now(); Math['random'](); globalThis.Math.random(); Math[0]; globalThis.foo`)).toEqual([])
    expect(found(`const SLOT = Symbol.for('x'); globalThis[SLOT]; globalThis[Symbol.iterator]; globalThis[Symbol('y')]`)).toEqual([])
  })

  it('resolves constant keys, and reports those that name a redirected global (the transform reads only literal ones)', () => {
    expect(found(`const KEY = 'eval'; globalThis[KEY]('1')`)).toEqual(['1:21 eval'])
    expect(found(`const KEY = 'setTimeout'; globalThis[KEY](f); globalThis[\`Date\`]; Math[\`random\`]()`)).toEqual([
      '1:27 computed-global',
      '1:47 computed-global',
      '1:67 computed-global',
    ])
    expect(messages(`const KEY = 'setTimeout'; globalThis[KEY]`)).toEqual([
      'globalThis[KEY] is not redirected: the transform rewrites only setTimeout written out on the global; write setTimeout',
    ])
    expect(found(`const KEY = 'other'; globalThis[KEY]; let key = 'setTimeout'; globalThis[key]`)).toEqual(['1:63 computed-global'])
  })

  it('reports redirected globals reached through window or self, which the transform does not follow', () => {
    expect(found(`window.setTimeout(f); self.Date.now(); window.Math.random(); window.document`)).toEqual([
      '1:1 computed-global',
      '1:23 computed-global',
      '1:40 computed-global',
    ])
    expect(found(`window.setTimeout = fake; window.Math.random = fake`)).toEqual([])
    expect(messages(`window.Math.random()`)).toEqual([
      'window.Math.random is not redirected: the transform rewrites only Math.random written out on the global; write Math.random',
    ])
  })

  it('reports with statements, whose bodies the transform leaves alone', () => {
    expect(found(`with (Math) { random() }`, 'sloppy.cjs')).toEqual(['1:1 computed-global'])
  })

  it('does not report Date[x] or performance[x]: the transform replaces those identifiers themselves', () => {
    expect(found(`Date[k]; performance[k]; const D = Date; const p = performance`)).toEqual([])
  })

  it('does not report members of other objects, nor locals named like globals', () => {
    expect(found(`process.argv[k]; config[k]; Math.max(...xs)[0]`)).toEqual([])
    expect(found(`function f(Math: Record<string, number>, globalThis: any, k: string) { return [Math[k], globalThis[k]] }`)).toEqual([])
  })

  it('reports an alias of a global that hides its members from the transform', () => {
    expect(found(`const M = Math\nM.random()`)).toEqual(['1:7 computed-global'])
    expect(found(`const g = globalThis; let p; p = process; var c = globalThis.crypto`)).toEqual([
      '1:7 computed-global',
      '1:30 computed-global',
      '1:47 computed-global',
    ])
    expect(found(`var root = typeof globalThis !== 'undefined' ? globalThis : global`)).toEqual(['1:5 computed-global'])
    expect(messages(`const M = Math`)).toEqual(['M holds Math, so M.random() is not redirected; write Math.random() where it is used'])
    expect(messages(`const G: typeof globalThis = globalThis`)).toEqual([
      'G holds globalThis, so G.setTimeout() is not redirected; write setTimeout() where it is used',
    ])
    expect(messages(`const crypto = globalThis.crypto`)).toEqual([
      'crypto shadows the global crypto with a copy, so crypto.randomUUID() is not redirected; use the global crypto itself',
    ])
    expect(found(`function f(g = globalThis) {}\nclass K { m = Math; static p = process }`)).toEqual(['1:12 computed-global', '2:11 computed-global', '2:28 computed-global'])
    expect(found(`function f({ random } = Math) {}`)).toEqual(['1:14 computed-global'])
  })

  it('reports destructuring a redirected member out of its object', () => {
    expect(found(`const { random } = Math; const { hrtime, nextTick: tick } = process; const { randomUUID } = crypto`)).toEqual([
      '1:9 computed-global',
      '1:34 computed-global',
      '1:42 computed-global',
      '1:78 computed-global',
    ])
    expect(found(`const { setTimeout: later, Date: D } = globalThis`)).toEqual(['1:9 computed-global', '1:28 computed-global'])
    expect(found(`const { ...everything } = globalThis`)).toEqual(['1:9 computed-global'])
  })

  it('does not report destructuring members the transform does not need, nor aliases of other values', () => {
    expect(found(`const { max, floor } = Math; const { argv, pid } = process; const { subtle } = crypto`)).toEqual([])
    expect(found(`const { Map: M2 } = globalThis; const r = Math.random; const x = Math.PI; const o = other`)).toEqual([])
  })
})

describe('weakref', () => {
  it('reports WeakRef and FinalizationRegistry', () => {
    expect(found(`new WeakRef(o); const r = new FinalizationRegistry(() => {}); globalThis.WeakRef`)).toEqual(['1:5 weakref', '1:31 weakref', '1:63 weakref'])
    expect(found(`const { WeakRef: W } = globalThis`)).toEqual(['1:9 weakref'])
  })

  it('does not report types, typeof checks, or locals', () => {
    expect(found(`let r: WeakRef<object> | undefined; type T = typeof FinalizationRegistry; interface I { r: WeakRef<I> }`)).toEqual([])
    expect(found(`const ok = typeof WeakRef !== 'undefined'`)).toEqual([])
    expect(found(`import { WeakRef } from './polyfill.js'; new WeakRef(o)`)).toEqual([])
  })
})

describe('atomics-wait', () => {
  it('reports Atomics.wait and Atomics.waitAsync', () => {
    expect(found(`Atomics.wait(a, 0, 0); Atomics['waitAsync'](a, 0, 0); globalThis.Atomics.wait(a, 0, 0)`)).toEqual([
      '1:1 atomics-wait',
      '1:24 atomics-wait',
      '1:55 atomics-wait',
    ])
    expect(found(`const { wait } = Atomics`)).toEqual(['1:9 atomics-wait'])
  })

  it('does not report the other Atomics operations, nor a local Atomics', () => {
    expect(found(`Atomics.add(a, 0, 1); Atomics.notify(a, 0); Atomics.load(a, 0)`)).toEqual([])
    expect(found(`function f(Atomics: { wait(): void }) { Atomics.wait() }`)).toEqual([])
  })
})

describe('threads', () => {
  it('reports worker_threads, child_process and cluster, in every way of loading them', () => {
    expect(found(`import { Worker } from 'node:worker_threads'`)).toEqual(['1:24 threads'])
    expect(found(`export * from 'cluster'; export { fork } from 'node:child_process'`)).toEqual(['1:15 threads', '1:47 threads'])
    expect(found(`const cp = require('child_process'); import('worker_threads')`, 'a.cjs')).toEqual(['1:20 threads', '1:45 threads'])
    expect(found(`import cp = require('child_process')`)).toEqual(['1:21 threads'])
  })

  it('reports new Worker and SharedArrayBuffer on the globals', () => {
    expect(found(`new Worker('w.js'); new SharedArrayBuffer(8); globalThis.SharedArrayBuffer`)).toEqual([
      '1:5 threads',
      '1:25 threads',
      '1:47 threads',
    ])
  })

  it('does not report type-only imports, nor a local Worker', () => {
    expect(found(`import type { Worker } from 'node:worker_threads'; import { type ChildProcess } from 'child_process'`)).toEqual([])
    expect(found(`export type { Worker } from 'node:worker_threads'`)).toEqual([])
    expect(found(`class Worker {}\nnew Worker(); const ok = typeof SharedArrayBuffer`)).toEqual([])
    expect(found(`import { fork } from './child_process.js'; import x from 'cluster-key'`)).toEqual([])
  })
})

describe('native-addon', () => {
  it('reports .node files, the addon loaders, and process.dlopen', () => {
    expect(found(`const a = require('./build/Release/addon.node')`, 'a.cjs')).toEqual(['1:19 native-addon'])
    expect(found(`require('bindings')('addon'); require('node-gyp-build')(__dirname); require('@mapbox/node-pre-gyp')`, 'a.cjs')).toEqual([
      '1:9 native-addon',
      '1:39 native-addon',
      '1:77 native-addon',
    ])
    expect(found(`import addon from './addon.node'; import 'prebuild-install'`)).toEqual(['1:19 native-addon', '1:42 native-addon'])
    expect(found(`process.dlopen(module, file); process.binding('fs')`)).toEqual(['1:1 native-addon', '1:31 native-addon'])
  })

  it('follows createRequire: a local require still loads modules', () => {
    expect(found(`import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\nrequire('./x.node')`)).toEqual([
      '3:9 native-addon',
    ])
  })

  it('does not report lookalikes', () => {
    expect(found(`require('./addon.node.js'); require('bindings-extra'); require('./bindings'); process.dlopenx`, 'a.cjs')).toEqual([])
  })
})

describe('real-io (off by default, reported here; the filter is in tidy)', () => {
  it('reports process.env reads', () => {
    expect(found(`const home = process.env.HOME; const { env } = process`)).toEqual(['1:14 real-io', '1:40 real-io'])
    expect(found(`function f(process: { env: object }) { return process.env }`)).toEqual([])
  })

  it('counts a default or namespace import of node:process as the global process', () => {
    expect(found(`import process from 'node:process'\nprocess.dlopen(m, f); process.env.X`)).toEqual(['2:1 native-addon', '2:23 real-io'])
    expect(found(`import * as p from 'process'\nconst q = p`)).toEqual(['2:7 computed-global'])
  })

  it('reports network modules the platform does not simulate', () => {
    expect(found(`import https from 'node:https'; import { connect } from 'tls'; import http from 'node:http'`)).toEqual(['1:19 real-io', '1:57 real-io'])
  })
})

describe('real APIs the transform leaves alone because they are imported, not global', () => {
  it('reports hrtime and nextTick on an imported process, and imported by name', () => {
    expect(found(`import process from 'node:process'\nprocess.hrtime(); process.nextTick(f); process.cwd()`)).toEqual(['2:1 computed-global', '2:19 computed-global'])
    expect(messages(`import process from 'node:process'\nprocess.hrtime.bigint()`)).toEqual([
      'process.hrtime is not redirected: this process is imported, and the transform rewrites only the global process.hrtime; use the global process',
    ])
    expect(found(`import { hrtime, nextTick as tick, cwd } from 'node:process'`)).toEqual(['1:10 computed-global', '1:18 computed-global'])
  })

  it('reports performance imported from node:perf_hooks', () => {
    expect(found(`import { performance, PerformanceObserver } from 'node:perf_hooks'`)).toEqual(['1:10 computed-global'])
    expect(found(`import { type Performance } from 'perf_hooks'; import { monitorEventLoopDelay } from 'perf_hooks'`)).toEqual([])
  })

  it('reports redirected modules loaded by a require that is not the global one', () => {
    const code = `import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\nconst fs = require('node:fs'); const path = require('node:path')`
    expect(found(code)).toEqual(['3:20 computed-global'])
    expect(messages(code)).toEqual([`node:fs loaded by require() is the real module: the transform redirects only the global require, import and import()`])
    expect(found(`module.require('fs')`, 'a.cjs')).toEqual(['1:16 computed-global'])
    expect(found(`const fs = require('fs')`, 'a.cjs')).toEqual([])
  })
})

describe('parsing', () => {
  it('reports a file that does not parse as one parse-error at the error, not an exception', () => {
    const findings = lintSource('broken.ts', `const ok = 1\nconst x = ;\neval('not reached')`)
    expect(findings).toEqual([{ path: 'broken.ts', line: 2, column: 11, rule: 'parse-error', message: 'does not parse: Unexpected token' }])
  })

  it('picks the language from the extension', () => {
    expect(found(`const a = <T,>(x: T) => x; eval(a)`, 'a.tsx')).toEqual(['1:28 eval'])
    expect(found(`const el = <div onClick={() => eval('x')} />`, 'a.jsx')).toEqual(['1:32 eval'])
    expect(found(`const el = <div>{eval('x')}</div>`, 'a.js')).toEqual(['1:18 eval'])
    expect(found(`const n = <number>value; eval(n)`, 'a.ts')).toEqual(['1:26 eval'])
    expect(found(`const x: number = 1`, 'a.js')).toEqual(['1:7 parse-error'])
  })

  it('accepts CommonJS with a top-level return, and ESM in .mjs', () => {
    expect(found(`if (done) return\neval(x)`, 'a.js')).toEqual(['2:1 eval'])
    expect(found(`if (done) return\neval(x)`, 'a.cjs')).toEqual(['2:1 eval'])
    expect(found(`export const x = await eval('1')`, 'a.mjs')).toEqual(['1:24 eval'])
  })

  it('counts columns in UTF-16 code units, after a byte-order mark', () => {
    expect(found(`\uFEFFconst s = 'héllo 😀'; eval(s)`)).toEqual(['1:23 eval'])
    expect(found(`const a = 1\r\n  eval(a)`)).toEqual(['2:3 eval'])
  })

  it('resolves hoisted declarations: a var or function declared after its use still shadows the global', () => {
    expect(found(`function f() { return eval('1') }\nfunction eval2() {}\nvar WeakRef = Map\nnew WeakRef()`)).toEqual(['1:23 eval'])
    expect(found(`new Worker(); function Worker() {}`)).toEqual([])
  })
})
