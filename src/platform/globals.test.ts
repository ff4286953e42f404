import { performance as perfHooksPerformance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { run } from '../run/run.js'
import type { Simulation } from '../sim/simulation.js'
import { Immediate, Timeout } from '../scheduler/timers.js'
import { DEFAULT_EPOCH_MS, DEFAULT_MONOTONIC_ORIGIN_NS } from '../world/clock.js'
import { World } from '../world/world.js'
import * as platform from './index.js'
import { activeSimulation } from './active.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** What a call throws, in comparable form (or its result). */
function outcome(call: () => unknown): unknown {
  try {
    const value = call()
    return { returned: typeof value }
  } catch (error) {
    const e = error as Error & { code?: unknown }
    return { threw: e.constructor.name, name: e.name, message: e.message, code: e.code }
  }
}

/** Runs `body` inside a simulation (both attempts) and returns the first attempt's result; fails on any run error. */
async function inSim<T>(body: (sim: Simulation) => T | Promise<T>, seed: number | bigint = 7): Promise<{ value: T; trace: string }> {
  let first: { value: T } | null = null
  const report = await run(async (sim) => {
    const value = await body(sim)
    first ??= { value }
  }, { seed })
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return { value: (first as unknown as { value: T }).value, trace: report.traceText() }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the platform exports', () => {
  test('are exactly the thirteen names the transform emits', () => {
    expect(Object.keys(platform).sort()).toEqual(
      [
        'Date',
        'performance',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'Math_random',
        'process_hrtime',
        'process_nextTick',
        'crypto_randomUUID',
        'crypto_getRandomValues',
      ].sort(),
    )
  })

  test('have the real functions\' names and lengths', () => {
    const pairs: [Function, Function][] = [
      [platform.setTimeout, setTimeout],
      [platform.clearTimeout, clearTimeout],
      [platform.setInterval, setInterval],
      [platform.clearInterval, clearInterval],
      [platform.setImmediate, setImmediate],
      [platform.clearImmediate, clearImmediate],
      [platform.Math_random, Math.random],
      [platform.process_hrtime, process.hrtime],
      [platform.process_hrtime.bigint, process.hrtime.bigint],
      [platform.process_nextTick, process.nextTick],
      [platform.crypto_randomUUID, crypto.randomUUID],
      [platform.crypto_getRandomValues, crypto.getRandomValues],
      [platform.Date, Date],
      [platform.Date.now, Date.now],
      [platform.performance.now, performance.now],
    ]
    for (const [ours, real] of pairs) {
      expect([ours.name, ours.length]).toEqual([real.name, real.length])
    }
  })
})

describe('outside a simulation: the real APIs', () => {
  test('no simulation is active', () => {
    expect(activeSimulation()).toBeNull()
  })

  test('Date constructs, parses and compares like the real Date', () => {
    const D = platform.Date
    const cases: unknown[][] = [[0], [2020, 1, 29, 12, 30, 5, 7], ['2024-03-01T10:00:00Z'], ['not a date'], [new Date(5)], [NaN], [8.64e15 + 1]]
    for (const args of cases) {
      const ours = new D(...(args as []))
      const real = new Date(...(args as []))
      expect(Object.is(ours.getTime(), real.getTime())).toBe(true)
      expect(Object.getPrototypeOf(ours)).toBe(Date.prototype)
      expect(ours).toBeInstanceOf(Date)
    }
    expect(new Date()).toBeInstanceOf(D)
    expect(D.parse('2024-03-01T10:00:00Z')).toBe(Date.parse('2024-03-01T10:00:00Z'))
    expect(D.UTC(2000, 0, 1)).toBe(Date.UTC(2000, 0, 1))
    expect(D.prototype).toBe(Date.prototype)
    expect(Object.prototype.toString.call(new D())).toBe('[object Date]')
    const before = Date.now()
    const now = D.now()
    const made = new D().getTime()
    expect(now).toBeGreaterThanOrEqual(before)
    expect(made).toBeLessThanOrEqual(Date.now())
    expect(typeof D()).toBe('string')
    expect(Date.parse(D())).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
  })

  test('Date subclasses work', () => {
    class Stamp extends platform.Date {
      label(): string {
        return `stamp:${this.getTime()}`
      }
    }
    const stamp = new Stamp(42)
    expect(stamp.label()).toBe('stamp:42')
    expect(stamp).toBeInstanceOf(Stamp)
    expect(stamp).toBeInstanceOf(Date)
    expect(typeof Stamp.now()).toBe('number')
    expect(Math.abs(new Stamp().getTime() - Date.now())).toBeLessThan(1000)
  })

  test('follows the global as it is at each call, as untransformed code does (fake timers included)', () => {
    vi.useFakeTimers({ now: new Date('2001-02-03T04:05:06Z') })
    expect(platform.Date.now()).toBe(Date.now())
    expect(new platform.Date().toISOString()).toBe('2001-02-03T04:05:06.000Z')
    const fired: string[] = []
    platform.setTimeout(() => fired.push('timeout'), 1000)
    vi.advanceTimersByTime(999)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired).toEqual(['timeout'])
  })

  test('performance is the real performance object, one stable object', () => {
    const p = platform.performance
    expect(Object.getPrototypeOf(p)).toBe(Object.getPrototypeOf(perfHooksPerformance))
    expect(p.timeOrigin).toBe(perfHooksPerformance.timeOrigin)
    const a = performance.now()
    const b = p.now()
    expect(b).toBeGreaterThanOrEqual(a)
    expect(performance.now()).toBeGreaterThanOrEqual(b)
    const mark = p.mark('marionette-platform-test')
    expect(mark.name).toBe('marionette-platform-test')
    expect(performance.getEntriesByName('marionette-platform-test')).toHaveLength(1)
    performance.clearMarks('marionette-platform-test')
    expect(Object.keys(p.toJSON() as object).sort()).toEqual(Object.keys(performance.toJSON() as object).sort())
    // Detached, the real method rejects its receiver; so does ours.
    const detached_real = performance.now
    const detached_ours = p.now
    expect(outcome(() => detached_ours())).toEqual(outcome(() => detached_real()))
    expect(p.mark).toBe(p.mark)
  })

  test('timers are the real timers', async () => {
    const timer = platform.setTimeout(() => {}, 10_000)
    expect(timer.constructor.name).toBe('Timeout')
    expect(timer).not.toBeInstanceOf(Timeout)
    platform.clearTimeout(timer)
    expect(timer.hasRef()).toBe(true)
    const order: string[] = []
    await new Promise<void>((resolve) => {
      platform.setTimeout(() => order.push('timeout'), 1)
      const immediate = platform.setImmediate(() => order.push('immediate'))
      expect(immediate.constructor.name).toBe('Immediate')
      const interval = platform.setInterval(() => {
        order.push('interval')
        platform.clearInterval(interval)
        platform.setTimeout(resolve, 5)
      }, 2)
      platform.clearImmediate(platform.setImmediate(() => order.push('cleared')))
    })
    expect(order).toContain('timeout')
    expect(order).toContain('immediate')
    expect(order.filter((entry) => entry === 'interval')).toHaveLength(1)
    expect(order).not.toContain('cleared')
    expect(await promisify(platform.setTimeout)(1, 'value')).toBe('value')
  })

  test('Math.random, process.hrtime, nextTick and the Web Crypto functions are the real ones', async () => {
    const r = platform.Math_random()
    expect(r).toBeGreaterThanOrEqual(0)
    expect(r).toBeLessThan(1)
    const [seconds, nanos] = platform.process_hrtime()
    expect(Number.isInteger(seconds) && Number.isInteger(nanos)).toBe(true)
    const diff = platform.process_hrtime([seconds, nanos])
    expect(diff[0] * 1e9 + diff[1]).toBeGreaterThanOrEqual(0)
    expect(typeof platform.process_hrtime.bigint()).toBe('bigint')
    expect(platform.process_hrtime.bigint()).toBeLessThanOrEqual(process.hrtime.bigint())
    // From a fresh macrotask, as from a microtask: the same order as the real nextTick.
    const order = (nextTick: typeof process.nextTick): Promise<string[]> =>
      new Promise((resolve) => {
        const seen: string[] = []
        setImmediate(() => {
          void Promise.resolve().then(() => seen.push('promise'))
          nextTick((a: string) => seen.push(a), 'tick')
          setTimeout(() => resolve(seen), 1)
        })
      })
    expect(await order(platform.process_nextTick)).toEqual(['tick', 'promise'])
    expect(await order(process.nextTick)).toEqual(['tick', 'promise'])
    expect(platform.crypto_randomUUID()).toMatch(UUID_V4)
    expect(platform.crypto_randomUUID()).not.toBe(platform.crypto_randomUUID())
    const bytes = new Uint32Array(4)
    expect(platform.crypto_getRandomValues(bytes)).toBe(bytes)
  })

  test('errors are the real ones', () => {
    const cases: [() => unknown, () => unknown][] = [
      [() => platform.process_hrtime('x' as never), () => process.hrtime('x' as never)],
      [() => platform.process_hrtime([1] as never), () => process.hrtime([1] as never)],
      [() => platform.setTimeout('not a function' as never), () => setTimeout('not a function' as never)],
      [() => platform.process_nextTick(42 as never), () => process.nextTick(42 as never)],
      [() => platform.crypto_getRandomValues(new Uint8Array(65_537)), () => crypto.getRandomValues(new Uint8Array(65_537))],
      [() => platform.crypto_getRandomValues(new Float64Array(2) as never), () => crypto.getRandomValues(new Float64Array(2) as never)],
      [() => platform.crypto_getRandomValues(new DataView(new ArrayBuffer(2)) as never), () => crypto.getRandomValues(new DataView(new ArrayBuffer(2)) as never)],
      [() => (platform.crypto_getRandomValues as () => unknown)(), () => (crypto.getRandomValues as unknown as () => unknown).call(crypto)],
      [() => new platform.Date(Symbol() as never), () => new Date(Symbol() as never)],
    ]
    for (const [ours, real] of cases) expect(outcome(ours)).toEqual(outcome(real))
  })
})

describe('inside a simulation: seeded, simulated, replayable', () => {
  test('Date reads the simulated wall clock', async () => {
    const { value } = await inSim(async (sim) => {
      const D = platform.Date
      const start = [D.now(), new D().getTime(), D()]
      await new Promise((resolve) => platform.setTimeout(resolve, 1500))
      class Stamp extends platform.Date {}
      const later = [D.now(), new Stamp().getTime(), new Stamp() instanceof Date, new Date(0) instanceof D]
      return { start, later, explicit: new D(2020, 0, 1).getTime(), wall: sim.world.clock.wallMs() }
    })
    expect(value.start).toEqual([DEFAULT_EPOCH_MS, DEFAULT_EPOCH_MS, new Date(DEFAULT_EPOCH_MS).toString()])
    expect(value.later).toEqual([DEFAULT_EPOCH_MS + 1500, DEFAULT_EPOCH_MS + 1500, true, true])
    expect(value.explicit).toBe(new Date(2020, 0, 1).getTime())
    expect(value.wall).toBe(DEFAULT_EPOCH_MS + 1500)
  })

  test('performance.now and timeOrigin follow the simulated clock', async () => {
    const { value } = await inSim(async () => {
      const p = platform.performance
      const first = p.now()
      await new Promise((resolve) => platform.setTimeout(resolve, 250))
      return { first, second: p.now(), origin: p.timeOrigin, json: (p.toJSON() as { timeOrigin: number }).timeOrigin, wall: platform.Date.now() }
    })
    const origin_ms = DEFAULT_MONOTONIC_ORIGIN_NS / 1e6
    expect(value.first).toBe(origin_ms)
    expect(value.second).toBe(origin_ms + 250)
    expect(value.origin).toBe(DEFAULT_EPOCH_MS - origin_ms)
    expect(value.json).toBe(value.origin)
    expect(value.origin + value.second).toBe(value.wall)
  })

  test('process.hrtime and hrtime.bigint follow the simulated monotonic clock', async () => {
    const { value } = await inSim(async () => {
      const start = platform.process_hrtime()
      const big = platform.process_hrtime.bigint()
      await new Promise((resolve) => platform.setTimeout(resolve, 1_700))
      return { start, big, diff: platform.process_hrtime(start), diff_borrow: platform.process_hrtime([0, 900_000_000]), errors: outcome(() => platform.process_hrtime([1] as never)) }
    })
    expect(value.start).toEqual([1, 0])
    expect(value.big).toBe(BigInt(DEFAULT_MONOTONIC_ORIGIN_NS))
    expect(value.diff).toEqual([1, 700_000_000])
    // 2.7 s - 0.9 s: the nanoseconds borrow a second, as Node's hrtime(previous) does.
    expect(value.diff_borrow).toEqual([1, 800_000_000])
    expect(value.errors).toEqual(outcome(() => process.hrtime([1] as never)))
  })

  test('Math.random draws the env stream, the same values as env.random.float64()', async () => {
    const seed = 4242n
    const { value } = await inSim(() => [platform.Math_random(), platform.Math_random(), platform.Math_random()], seed)
    const env = new World({ seed }).random('env')
    expect(value).toEqual([env.float64(), env.float64(), env.float64()])
    const other = await inSim(() => [platform.Math_random()], seed + 1n)
    expect(other.value[0]).not.toBe(value[0])
  })

  test('crypto.randomUUID and getRandomValues draw seeded bytes', async () => {
    const body = (): unknown => {
      const uuids = [platform.crypto_randomUUID(), platform.crypto_randomUUID()]
      const words = platform.crypto_getRandomValues(new Uint32Array(3))
      const big = platform.crypto_getRandomValues(new BigInt64Array(1))
      const view = new Uint8Array(new ArrayBuffer(8), 2, 4)
      platform.crypto_getRandomValues(view)
      return { uuids, words: [...words], big: big[0], view: [...new Uint8Array(view.buffer)], error: outcome(() => platform.crypto_getRandomValues(new Uint8Array(65_537))) }
    }
    const a = (await inSim(body, 1)).value as { uuids: string[]; view: number[]; error: unknown }
    const b = (await inSim(body, 1)).value
    const c = (await inSim(body, 2)).value as { uuids: string[] }
    expect(a).toEqual(b)
    expect(c.uuids).not.toEqual(a.uuids)
    for (const uuid of a.uuids) expect(uuid).toMatch(UUID_V4)
    expect(a.view.slice(0, 2)).toEqual([0, 0])
    expect(a.view.slice(6)).toEqual([0, 0])
    expect(a.error).toEqual(outcome(() => crypto.getRandomValues(new Uint8Array(65_537))))
  })

  test('timers, immediates and nextTick run on the simulated loop in Node\'s order', async () => {
    const { value } = await inSim(async (sim) => {
      const order: string[] = []
      const timer = platform.setTimeout(() => order.push(`timeout@${sim.world.clock.nowNsText()}`), 5)
      const immediate = platform.setImmediate(() => order.push('immediate'))
      const cleared = platform.setTimeout(() => order.push('cleared'), 1)
      platform.clearTimeout(cleared)
      platform.clearImmediate(platform.setImmediate(() => order.push('cleared immediate')))
      let ticks = 0
      const interval = platform.setInterval(() => {
        if (++ticks === 3) platform.clearInterval(interval)
        order.push(`interval${ticks}`)
      }, 2)
      void Promise.resolve().then(() => order.push('promise'))
      platform.process_nextTick(() => order.push('tick'))
      await new Promise((resolve) => platform.setTimeout(resolve, 10))
      return { order, timer: timer instanceof Timeout, immediate: immediate instanceof Immediate, promisified: await promisify(platform.setTimeout)(3, 'v'), now: sim.world.clock.nowNsText() }
    })
    expect(value.order).toEqual(['tick', 'promise', 'immediate', 'interval1', 'interval2', 'timeout@5000000', 'interval3'])
    expect(value.timer && value.immediate).toBe(true)
    expect(value.promisified).toBe('v')
    expect(value.now).toBe('13000000')
  })

  test('a simulated timer cleared after its simulation ended is cleared on its own loop', async () => {
    let leftover: ReturnType<typeof platform.setTimeout> | null = null
    const report = await run(() => {
      leftover = platform.setTimeout(() => {}, 1000)
      leftover.unref()
    }, { seed: 3, replay: false })
    expect(report.error).toBeNull()
    expect(() => platform.clearTimeout(leftover as never)).not.toThrow()
    expect((leftover as unknown as Timeout)._destroyed).toBe(true)
  })

  test('the same seed gives the same trace, run after run', async () => {
    const scenario = async (sim: Simulation): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => platform.setTimeout(resolve, Math.floor(platform.Math_random() * 100)))
        sim.env.recordFields('tick', { i, now: platform.Date.now(), id: platform.crypto_randomUUID(), perf: platform.performance.now() })
      }
    }
    const a = await run(scenario, { seed: 11 })
    const b = await run(scenario, { seed: 11 })
    expect(a.passed && b.passed).toBe(true)
    expect(a.traceText()).toBe(b.traceText())
  })
})
