import { describe, expect, test } from 'vitest'
import { BudgetExceeded } from '../world/clock.js'
import { World } from '../world/world.js'
import { SimulationStalled } from './errors.js'
import { EventLoop, type LoopOptions } from './loop.js'
import { createTimers } from './timers.js'
import { createTimersPromises } from './timers_promises.js'

function setup(options: LoopOptions & { seed?: number; max_clock_reads_without_progress?: number } = {}) {
  const world = new World({ seed: options.seed ?? 1, clock: { max_clock_reads_without_progress: options.max_clock_reads_without_progress } })
  const loop = new EventLoop(world, options)
  return { world, loop, timers: createTimers(loop), promises: createTimersPromises(loop) }
}

describe('EventLoop: time', () => {
  test('jumps simulated time: a day of timeouts runs at once', async () => {
    const { loop, timers, world } = setup()
    let fired = 0
    const real_start = performance.now()
    await loop.run(async () => {
      for (let hour = 1; hour <= 24; hour++) timers.setTimeout(() => fired++, hour * 3600_000)
      await new Promise((resolve) => timers.setTimeout(resolve, 24 * 3600_000 + 1))
    })
    expect(fired).toBe(24)
    expect(world.clock.nowNs()).toBe(BigInt(24 * 3600_000 + 1) * 1_000_000n)
    expect(performance.now() - real_start).toBeLessThan(1000)
  })

  test('operations complete at exact nanosecond times, in (time, sequence) order', async () => {
    const { loop, world } = setup()
    const log: string[] = []
    await loop.runUntilIdle(() => {
      loop.after(1_500, 'b', () => log.push(`b@${world.clock.nowNsText()}`))
      loop.after(1_500, 'c', () => log.push(`c@${world.clock.nowNsText()}`))
      loop.after(999_999, 'd', () => log.push(`d@${world.clock.nowNsText()}`))
      loop.at(1_000_001n, 'e', () => log.push(`e@${world.clock.nowNsText()}`))
      loop.after(1, 'a', () => log.push(`a@${world.clock.nowNsText()}`))
    })
    expect(log).toEqual(['a@1', 'b@1500', 'c@1500', 'd@999999', 'e@1000001'])
  })

  test('an operation can be cancelled, and absolute times in the past are rejected', async () => {
    const { loop } = setup()
    const log: string[] = []
    await loop.runUntilIdle(() => {
      loop.after(10, 'kept', () => log.push('kept'))
      loop.after(5, 'cancelled', () => log.push('cancelled')).cancel()
    })
    expect(log).toEqual(['kept'])
    expect(() => loop.at(0n, 'past', () => {})).toThrow(/in the past/)
  })

  test('a timer ten simulated years out fires at its exact nanosecond', async () => {
    const ten_years_ms = 10 * 365 * 24 * 3600 * 1000
    const { loop, world, promises } = setup()
    await loop.run(async () => {
      for (let i = 0; i < 10 * 365; i++) await promises.setTimeout(24 * 3600 * 1000)
      await new Promise<void>((resolve) => loop.after(7, 'last', resolve))
    })
    expect(world.clock.nowNs()).toBe(BigInt(ten_years_ms) * 1_000_000n + 7n)
  })

  test('runFor runs what falls due and leaves the clock at the end', async () => {
    const { loop, timers, world } = setup()
    const log: number[] = []
    timers.setTimeout(() => log.push(5), 5)
    timers.setTimeout(() => log.push(15), 15)
    await loop.runFor(10_000_000)
    expect(log).toEqual([5])
    expect(world.clock.nowNsText()).toBe('10000000')
    await loop.runFor(10_000_000)
    expect(log).toEqual([5, 15])
  })

  test('an overflowing delay becomes 1 ms, with a trace event', async () => {
    const { loop, timers, world } = setup()
    let at = ''
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    await loop.runUntilIdle(() => {
      timers.setTimeout(() => (at = world.clock.nowNsText()), 2 ** 31)
    })
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    expect(at).toBe('1000000')
    expect(world.trace.text()).toContain('timer.overflow requested_ms=2147483648 used_ms=1')
    expect(warnings).toContain('TimeoutOverflowWarning')
  })
})

test('a cleared immediate still counts in its check phase: later immediates wait for the next iteration', async () => {
  const { loop, timers } = setup()
  const log: string[] = []
  await loop.runUntilIdle(() => {
    timers.setTimeout(() => {
      timers.setImmediate(() => log.push('a'))
      const b = timers.setImmediate(() => log.push('b'))
      timers.setImmediate(() => {
        log.push('c')
        timers.setImmediate(() => log.push('d'))
        loop.after(0, 'op', () => log.push('op'))
      })
      timers.clearImmediate(b)
    }, 1)
  })
  expect(log).toEqual(['a', 'c', 'op', 'd'])
})

describe('EventLoop: stalls and budgets', () => {
  test('a scenario awaiting a promise nothing will settle fails as stalled', async () => {
    const { loop, world } = setup()
    const error = await loop.run(() => new Promise(() => {})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SimulationStalled)
    expect((error as Error).message).toMatch(/no timer, immediate or operation is scheduled/)
    expect(world.trace.text()).toContain('loop.stalled now_ns=0 unrefed_pending=0')
  })

  test('a stall names the unref\'d work still pending', async () => {
    const { loop, timers } = setup()
    const error = await loop
      .run(async () => {
        timers.setInterval(function heartbeat() {}, 1000).unref()
        await new Promise((resolve) => timers.setTimeout(resolve, 10))
        await new Promise(() => {})
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SimulationStalled)
    expect((error as SimulationStalled).pending).toEqual(["setInterval(heartbeat, 1000) due at 1000000000 ns (unref'd)"])
    expect((error as Error).message).toContain('at 10000000 ns')
  })

  test('unref\'d timers still fire while ref\'d work remains', async () => {
    const { loop, timers } = setup()
    const log: string[] = []
    await loop.run(async () => {
      timers.setTimeout(() => log.push('unref'), 5).unref()
      await new Promise((resolve) => timers.setTimeout(resolve, 10))
    })
    expect(log).toEqual(['unref'])
  })

  test('max_steps stops a runaway immediate loop inside the run, with a trace event', async () => {
    const { loop, timers, world } = setup({ max_steps: 10_000 })
    const error = await loop
      .run(async () => {
        const spin = (): void => void timers.setImmediate(spin)
        spin()
        await new Promise(() => {})
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BudgetExceeded)
    expect((error as BudgetExceeded).budget).toBe('max_steps')
    expect((error as Error).message).toMatch(/more than 10000 steps/)
    expect(world.trace.text()).toContain('loop.budget_exceeded budget=max_steps now_ns=0')
  })

  test('max_time_ns stops a run before it passes its simulated-time budget', async () => {
    const { loop, timers } = setup({ max_time_ns: 60_000_000_000n })
    const error = await loop
      .run(() => new Promise((resolve) => timers.setTimeout(resolve, 61_000)))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BudgetExceeded)
    expect((error as BudgetExceeded).budget).toBe('max_time')
    expect((error as Error).message).toMatch(/next task setTimeout\(anonymous, 61000\) is due at 61000000000 ns/)
  })

  test('a busy-wait on the clock fails the run even when the code swallows the error', async () => {
    const { loop, timers, world } = setup({ max_clock_reads_without_progress: 1000 })
    const error = await loop
      .run(async () => {
        await new Promise<void>((resolve) =>
          timers.setTimeout(() => {
            const start = world.clock.wallMs()
            try {
              while (world.clock.wallMs() < start + 5) {
                // spin: in a simulation time never moves here
              }
            } catch {
              // careless code swallows everything
            }
            resolve()
          }, 1),
        )
        await new Promise((resolve) => timers.setTimeout(resolve, 100))
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BudgetExceeded)
    expect((error as BudgetExceeded).budget).toBe('max_clock_reads_without_progress')
  })

  test('an exception thrown by a timer callback fails the run with that error', async () => {
    const { loop, timers } = setup()
    const boom = new Error('boom')
    const error = await loop
      .run(async () => {
        timers.setTimeout(() => {
          throw boom
        }, 5)
        await new Promise((resolve) => timers.setTimeout(resolve, 10))
      })
      .catch((e: unknown) => e)
    expect(error).toBe(boom)
  })

  test('the host event loop stays live during a long simulation', async () => {
    const { loop, timers } = setup()
    let real_immediates = 0
    const host = setInterval(() => {}, 1)
    const count = (): void => {
      real_immediates++
      if (real_immediates < 1000) setImmediate(count)
    }
    setImmediate(count)
    await loop.run(async () => {
      for (let i = 0; i < 20_000; i++) await new Promise((resolve) => timers.setTimeout(resolve, 1))
    })
    clearInterval(host)
    expect(real_immediates).toBeGreaterThan(3)
  })
})

describe('EventLoop: schedule exploration', () => {
  async function order(seed: number, explore: boolean): Promise<{ log: string[]; trace: string }> {
    const { loop, timers, world } = setup({ seed, explore })
    const log: string[] = []
    await loop.runUntilIdle(() => {
      for (const name of ['a', 'b', 'c', 'd']) timers.setTimeout(() => log.push(name), 10)
      timers.setTimeout(() => {
        for (const name of ['i1', 'i2', 'i3']) timers.setImmediate(() => log.push(name))
      }, 20)
    })
    return { log, trace: world.trace.text() }
  }

  test('without exploration, same-instant tasks keep creation order', async () => {
    expect((await order(1, false)).log).toEqual(['a', 'b', 'c', 'd', 'i1', 'i2', 'i3'])
  })

  test('with exploration, the seed chooses among same-instant tasks; choices are traced and replayable', async () => {
    const orders = new Set<string>()
    for (let seed = 0; seed < 30; seed++) {
      const first = await order(seed, true)
      const second = await order(seed, true)
      expect(second).toEqual(first)
      expect(first.log.slice().sort()).toEqual(['a', 'b', 'c', 'd', 'i1', 'i2', 'i3'])
      expect(first.log.slice(0, 4).sort()).toEqual(['a', 'b', 'c', 'd'])
      expect(first.trace).toMatch(/scheduler\.choose now_ns=10000000 ready=4 chosen=\d/)
      orders.add(first.log.join(','))
    }
    expect(orders.size).toBeGreaterThan(5)
  })
})

describe('EventLoop: options', () => {
  test('rejects invalid budgets and settle modes', () => {
    const world = new World({ seed: 1 })
    expect(() => new EventLoop(world, { max_steps: 0 })).toThrow(/max_steps/)
    expect(() => new EventLoop(world, { max_time_ns: 0 })).toThrow(/max_time_ns/)
    expect(() => new EventLoop(world, { settle: 'eventually' as never })).toThrow(/settle/)
  })

  test('settle: macrotask gives the same order as the microtask settle', async () => {
    const program = async (options: LoopOptions) => {
      const { loop, timers } = setup(options)
      const log: string[] = []
      await loop.runUntilIdle(() => {
        timers.setTimeout(async () => {
          log.push('t1')
          await null
          timers.nextTick(() => log.push('tick'))
          await null
          log.push('after')
        }, 1)
        timers.setTimeout(() => log.push('t2'), 1)
      })
      return log
    }
    expect(await program({ settle: 'macrotask' })).toEqual(await program({}))
  })
})
