import { describe, expect, test } from 'vitest'
import { makeWorkload, runFakeTimers, runMarionette, runPhysical, runPhysicalResolved, runSettleFloor } from './event_loop.js'

// The benchmark's correctness at a tiny size: no timing here, only the hashes.
describe('event-loop benchmark workload', () => {
  test('the delays are seeded, identical on every build, and within 1..1000 ms', () => {
    const a = makeWorkload(2_000, 100)
    const b = makeWorkload(2_000, 100)
    expect(a.delays).toEqual(b.delays)
    expect(Math.min(...a.delays)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...a.delays)).toBeLessThanOrEqual(1000)
    expect(new Set(a.delays).size).toBeGreaterThan(500)
    expect(a.starts[0]).toBe(0)
    expect(a.starts[100]).toBe(2_000)
  })

  test('chains split the ticks as evenly as possible', () => {
    const workload = makeWorkload(1_001, 100)
    const sizes = Array.from({ length: 100 }, (_, c) => (workload.starts[c + 1] as number) - (workload.starts[c] as number))
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(1_001)
  })

  for (const chains of [1, 100]) {
    test(`marionette and fake-timers fire the timers in the same order at the same times (${chains} chain(s))`, async () => {
      const workload = makeWorkload(2_000, chains)
      const marionette = await runMarionette(workload)
      const fake_timers = await runFakeTimers(workload)
      expect(marionette.hash).toBe(fake_timers.hash)
      // The reference minimal loop fires the same timers in the same order too.
      expect((await runSettleFloor(workload)).hash).toBe(marionette.hash)
      // Deterministic: a second run gives the same hash.
      expect((await runMarionette(workload)).hash).toBe(marionette.hash)
    })
  }

  test('the hash is order-sensitive: a different seed or shape changes it', async () => {
    const one = await runMarionette(makeWorkload(2_000, 1))
    const hundred = await runMarionette(makeWorkload(2_000, 100))
    const reseeded = await runMarionette(makeWorkload(2_000, 1, 7))
    expect(hundred.hash).not.toBe(one.hash)
    expect(reseeded.hash).not.toBe(one.hash)
  })

  test('the physical-limit runners do the same work without timers, deterministically', async () => {
    const workload = makeWorkload(2_000, 1)
    const first = await runPhysical(workload)
    expect((await runPhysical(workload)).hash).toBe(first.hash)
    expect(first.elapsed_ms).toBeGreaterThanOrEqual(0)
    // With one chain, "now" as a running sum of the delays is the simulated time, so the
    // physical runners fold the same values as the timer runners.
    expect((await runPhysicalResolved(workload)).hash).toBe(first.hash)
    expect(first.hash).toBe((await runMarionette(workload)).hash)
  })
})
