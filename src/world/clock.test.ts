import { describe, expect, test } from 'vitest'
import { BudgetExceeded, Clock, DEFAULT_EPOCH_MS } from './clock.js'

describe('Clock', () => {
  test('starts at zero with a non-zero wall epoch and monotonic origin', () => {
    const clock = new Clock()
    expect(clock.nowNs()).toBe(0n)
    expect(clock.wallMs()).toBe(DEFAULT_EPOCH_MS)
    expect(clock.monotonicMs()).toBe(1000)
    expect(clock.monotonicNs()).toBe(1_000_000_000n)
  })

  test('is exact to the nanosecond beyond ten simulated years', () => {
    const clock = new Clock({ epoch_ms: 1 })
    const ten_years_ms = 10 * 366 * 24 * 3600 * 1000
    clock.advanceTo(ten_years_ms, 1)
    expect(clock.nowNs()).toBe(BigInt(ten_years_ms) * 1_000_000n + 1n)
    expect(clock.nowNsText()).toBe((BigInt(ten_years_ms) * 1_000_000n + 1n).toString())
    expect(clock.wallMs()).toBe(1 + ten_years_ms)
  })

  test('never goes backwards', () => {
    const clock = new Clock()
    clock.advanceTo(5, 10)
    expect(() => clock.advanceTo(5, 9)).toThrow(/backwards/)
  })

  test('fails a busy-wait: too many reads while time stands still', () => {
    const clock = new Clock({ max_clock_reads_without_progress: 100 })
    for (let i = 0; i < 100; i++) clock.wallMs()
    expect(() => clock.wallMs()).toThrow(BudgetExceeded)
    expect(clock.budget_error?.budget).toBe('max_clock_reads_without_progress')
    expect(clock.budget_error?.message).toMatch(/busy-waiting/)
  })

  test('reads reset when time moves', () => {
    const clock = new Clock({ max_clock_reads_without_progress: 10 })
    for (let step = 1; step < 20; step++) {
      for (let i = 0; i < 10; i++) clock.nowNs()
      clock.advanceTo(step, 0)
    }
    expect(clock.budget_error).toBeNull()
  })

  test('rejects a zero or fractional epoch', () => {
    expect(() => new Clock({ epoch_ms: 0 })).toThrow(RangeError)
    expect(() => new Clock({ monotonic_origin_ns: 0 })).toThrow(RangeError)
  })
})
