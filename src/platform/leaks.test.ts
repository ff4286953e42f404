import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { getSafeTimers } from '@vitest/utils/timers'
import { describe, expect, test } from 'vitest'
import { run } from '../run/run.js'
import type { RunReport } from '../run/report.js'
import { DeterminismLeak } from './leaks.js'
import { SimulationAlreadyActive } from './active.js'

const require = createRequire(import.meta.url)
const fixture = (path: string): string => fileURLToPath(new URL(`../../fixtures/leaky-dep/${path}`, import.meta.url))
const LEAKY_DEP = fixture('node_modules/leaky-dep/index.js')
const OUTSIDE_INCLUDE = fixture('outside_include.cjs')

interface LeakyDep {
  now(): number
  newDate(): Date
  random(): number
  later(ms: number, callback: () => void): NodeJS.Timeout
  perfNow(): number
  hrtimeBigint(): bigint
  uuid(): string
  readText(path: string): string
  nowSwallowed(): number
}

// Plain CommonJS loaded by Node itself: the transform never sees it, as with a dependency not in `simulate`.
const leaky = require(LEAKY_DEP) as LeakyDep
const outside_include = require(OUTSIDE_INCLUDE) as { now(): number }

function leakOf(report: RunReport): DeterminismLeak {
  expect(report.outcome).toBe('error')
  expect(report.error).toBeInstanceOf(DeterminismLeak)
  return report.error as DeterminismLeak
}

/** Every global the tripwires touch, with its full own-property descriptor. */
function watchedProperties(): Map<string, PropertyDescriptor | undefined> {
  const targets: [string, object, PropertyKey][] = [
    ['globalThis.Date', globalThis, 'Date'],
    ['Date.now', Date, 'now'],
    ['Math.random', Math, 'random'],
    ['performance.now', performance, 'now'],
    ['globalThis.setTimeout', globalThis, 'setTimeout'],
    ['globalThis.setInterval', globalThis, 'setInterval'],
    ['globalThis.setImmediate', globalThis, 'setImmediate'],
    ['process.hrtime', process, 'hrtime'],
    ['process.hrtime.bigint', process.hrtime, 'bigint'],
    ['crypto.getRandomValues', crypto, 'getRandomValues'],
    ['crypto.randomUUID', crypto, 'randomUUID'],
    ['fs.readFileSync', require('node:fs') as object, 'readFileSync'],
    ['fs.writeFile', require('node:fs') as object, 'writeFile'],
    ['fs.statSync', require('node:fs') as object, 'statSync'],
    ['fs.promises.readFile', fs.promises, 'readFile'],
    ['fs.promises.open', fs.promises, 'open'],
  ]
  return new Map(targets.map(([name, object, key]) => [name, Reflect.getOwnPropertyDescriptor(object, key)]))
}

describe('determinism-leak tripwires', () => {
  test.each([
    ['Date.now', (): unknown => leaky.now(), 'clock'],
    ['new Date()', (): unknown => leaky.newDate(), 'clock'],
    ['Math.random', (): unknown => leaky.random(), 'randomness'],
    ['setTimeout', (): unknown => clearTimeout(leaky.later(60_000, () => {})), 'timer'],
    ['performance.now', (): unknown => leaky.perfNow(), 'clock'],
    ['process.hrtime.bigint', (): unknown => leaky.hrtimeBigint(), 'clock'],
    ['crypto.randomUUID', (): unknown => leaky.uuid(), 'randomness'],
    ['fs.readFileSync', (): unknown => leaky.readText(LEAKY_DEP), 'disk'],
  ] as const)('%s from a dependency not in `simulate` fails the run, naming the package and the fix', async (api, call, resource) => {
    const report = await run(() => {
      call()
    }, { seed: 1 })
    const leak = leakOf(report)
    expect(leak.api).toBe(api)
    expect(leak.package_name).toBe('leaky-dep')
    expect(leak.file).toBeNull()
    expect(leak.resource).toBe(resource)
    expect(leak.fix).toBe("add 'leaky-dep' to marionette({ simulate: ['leaky-dep'] })")
    expect(leak.message).toContain(`determinism leak: ${api} was called inside a simulation by package 'leaky-dep'`)
    expect(leak.message).toContain("Fix: add 'leaky-dep' to marionette({ simulate: ['leaky-dep'] })")
    expect(leak.caller_stack[0]).toContain('fixtures/leaky-dep/node_modules/leaky-dep/index.js:')
    expect(leak.caller).toMatch(/^fixtures\/leaky-dep\/node_modules\/leaky-dep\/index\.js:\d+:\d+$/)
    expect(report.traceText()).toContain(`leak.detected api=${api.replace(' ', '%20')} package=leaky-dep\n`)
    // Both attempts leak the same way: the failure is deterministic, not a replay divergence.
    expect(report.replay).toBe('identical')
  })

  test('the message names the API, the package, where it was called and the fix; the stack is the caller\'s', async () => {
    const report = await run(() => {
      leaky.now()
    }, { seed: 1, replay: false })
    const leak = leakOf(report)
    expect(leak.message).toBe(
      "determinism leak: Date.now was called inside a simulation by package 'leaky-dep', which the transform does not reach " +
        '(at fixtures/leaky-dep/node_modules/leaky-dep/index.js:6:15), so it read the real clock instead of the simulated one ' +
        'and the run can no longer replay from its seed.\n' +
        "Fix: add 'leaky-dep' to marionette({ simulate: ['leaky-dep'] }) so its code uses the simulated platform " +
        '(for plain scripts under --import marionette-sim/register: MARIONETTE_SIMULATE=leaky-dep).',
    )
    expect(leak.caller).toBe('fixtures/leaky-dep/node_modules/leaky-dep/index.js:6:15')
    const stack = (leak.stack ?? '').split('\n')
    expect(stack.slice(0, 2).join('\n')).toBe(`DeterminismLeak: ${leak.message}`)
    expect(stack[2]).toMatch(/^ {4}at Object\.now \(.*\/fixtures\/leaky-dep\/node_modules\/leaky-dep\/index\.js:6:15\)$/)
    expect(stack[3]).toMatch(/leaks\.test\.ts:\d+:\d+\)?$/)
    expect(leak.stack).not.toContain('leaks.ts')
    // Nothing machine-specific in the trace: the message's paths are relative to the project root.
    const full = await run(() => {
      leaky.now()
    }, { seed: 1 })
    expect(full.traceText()).not.toContain(process.cwd())
  })

  test('a project file outside `include` is reported with the include fix', async () => {
    const report = await run(() => {
      outside_include.now()
    }, { seed: 1 })
    const leak = leakOf(report)
    expect(leak.package_name).toBeNull()
    expect(leak.file).toBe(OUTSIDE_INCLUDE)
    expect(leak.fix).toBe('add the file to marionette({ include })')
    expect(leak.message).toContain('by fixtures/leaky-dep/outside_include.cjs, a project file outside marionette({ include }) (at fixtures/leaky-dep/outside_include.cjs:4:15),')
    expect(report.traceText()).toContain('leak.detected api=Date.now file=fixtures/leaky-dep/outside_include.cjs\n')
  })

  test('an ESM dependency\'s named import of node:fs is caught too', async () => {
    const esm = (await import(/* @vite-ignore */ pathToFileURL(fixture('node_modules/leaky-dep/esm.mjs')).href)) as { readText(path: string): string }
    const report = await run(() => {
      esm.readText(LEAKY_DEP)
    }, { seed: 1 })
    const leak = leakOf(report)
    expect([leak.api, leak.package_name]).toEqual(['fs.readFileSync', 'leaky-dep'])
  })

  test('a leak the code swallows still fails the run, at the next step', async () => {
    const steps: string[] = []
    const report = await run(async (sim) => {
      leaky.nowSwallowed()
      steps.push('after the leak')
      await sim.env.sleep(10)
      steps.push('after the next step')
    }, { seed: 1, replay: false })
    expect(leakOf(report).api).toBe('Date.now')
    expect(steps).toEqual(['after the leak'])
  })

  test('a leak in the last microtasks of a scenario, or in a check, fails the run', async () => {
    const late = await run(async () => {
      await Promise.resolve()
      leaky.random()
    }, { seed: 1, replay: false })
    expect(leakOf(late).api).toBe('Math.random')
    const in_check = await run(() => {}, {
      seed: 1,
      replay: false,
      checks: [{ name: 'reads_the_clock', check: () => leaky.now() > 0 }],
    })
    expect(leakOf(in_check).api).toBe('Date.now')
  })

  test('the leaking call itself behaves as the real one: same kind of value, nothing thrown at the call', async () => {
    let seen: unknown[] = []
    const report = await run(() => {
      seen = [leaky.now(), leaky.newDate(), leaky.random(), leaky.uuid()]
    }, { seed: 1, replay: false })
    expect(report.outcome).toBe('error')
    const [now, date, random, uuid] = seen as [number, Date, number, string]
    expect(Math.abs(now - Date.now())).toBeLessThan(60_000)
    expect(date).toBeInstanceOf(Date)
    expect(Math.abs(date.getTime() - Date.now())).toBeLessThan(60_000)
    expect(random).toBeGreaterThanOrEqual(0)
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/)
    // Each distinct (api, caller) is in the trace once.
    expect(report.traceText().match(/leak\.detected/g)).toHaveLength(4)
  })

  test('outside a simulation the dependency works normally and nothing is reported', async () => {
    expect(Math.abs(leaky.now() - Date.now())).toBeLessThan(1000)
    expect(leaky.newDate()).toBeInstanceOf(Date)
    expect(leaky.readText(LEAKY_DEP)).toContain('A dependency that the transform does not reach')
    await new Promise<void>((resolve) => leaky.later(1, resolve))
    expect(outside_include.now()).toBeGreaterThan(0)
    // And a run that does not leak passes.
    const report = await run(async (sim) => {
      await sim.env.sleep(5)
    }, { seed: 1 })
    expect(report.passed).toBe(true)
  })

  test('this package\'s own code and the test runner may use the real globals inside a simulation', async () => {
    const report = await run(async (sim) => {
      // This test file is the package's own code (src/): exempt.
      expect(Date.now()).toBeGreaterThan(0)
      expect(new Date().getTime()).toBeGreaterThan(0)
      clearTimeout(setTimeout(() => {}, 60_000))
      await sim.env.sleep(1)
    }, { seed: 1 })
    expect(report.error).toBeNull()
    expect(report.traceText()).not.toContain('leak.detected')
  })

  test('globals are swapped only during the run and restored identically', async () => {
    const before = watchedProperties()
    const original_date = Date
    let during: Map<string, PropertyDescriptor | undefined> = new Map()
    let inside: unknown[] = []
    const report = await run(() => {
      during = watchedProperties()
      inside = [new Date(0) instanceof original_date, globalThis.Date === original_date]
    }, { seed: 1, replay: false })
    expect(report.error).toBeNull()
    const after = watchedProperties()
    for (const [name, descriptor] of before) {
      expect(after.get(name), name).toEqual(descriptor)
      if (descriptor !== undefined && 'value' in descriptor) expect(after.get(name)?.value, name).toBe(descriptor.value)
      expect(during.get(name)?.value, `${name} during the run`).not.toBe(descriptor?.value)
    }
    expect(inside).toEqual([true, false])
    expect(Date).toBe(original_date)
  })

  test('Vitest keeps its own timers: its timeouts are unaffected', async () => {
    const safe = getSafeTimers()
    const real_set_timeout = globalThis.setTimeout
    let during: ReturnType<typeof getSafeTimers> | null = null
    let global_during: unknown = null
    const report = await run(() => {
      during = getSafeTimers()
      global_during = globalThis.setTimeout
    }, { seed: 1, replay: false })
    expect(report.error).toBeNull()
    expect(during).not.toBeNull()
    expect((during as unknown as ReturnType<typeof getSafeTimers>).setTimeout).toBe(safe.setTimeout)
    expect(safe.setTimeout).toBe(real_set_timeout)
    expect(global_during).not.toBe(real_set_timeout)
  })

  test('a test timeout still fires while a simulation is running', async () => {
    // Vitest arms test timeouts with the timers it captured at startup; a long simulation between
    // real yields still lets them fire. Here: a safe (captured) timer fires during a simulation.
    const safe = getSafeTimers()
    let fired = false
    safe.setTimeout(() => {
      fired = true
    }, 1)
    const report = await run(async (sim) => {
      const started = performance.now()
      while (!fired && performance.now() - started < 2000) await new Promise((resolve) => sim.timers.setTimeout(resolve, 1))
    }, { seed: 1, replay: false, max_steps: 1e9 })
    expect(report.error).toBeNull()
    expect(fired).toBe(true)
  })

  test('simulations in one thread run one at a time', async () => {
    const [first, second] = await Promise.all([
      run(async (sim) => {
        await sim.env.sleep(10)
      }, { seed: 1, name: 'first' }),
      run(() => {}, { seed: 1, name: 'second' }),
    ])
    expect(first.passed).toBe(true)
    expect(second.outcome).toBe('error')
    expect(second.error).toBeInstanceOf(SimulationAlreadyActive)
    expect((second.error as Error).message).toContain('simulations in one thread run one at a time; do not run test.sim cases concurrently')
  })
})
