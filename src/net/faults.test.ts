import { describe, expect, test } from 'vitest'
import { BuggifyRate } from '../world/buggify.js'
import { Random } from '../world/random.js'
import { parseSeed } from '../world/seed.js'
import { defaultFaults, drawLatency, drawSwarmNetworkFaults, Latency, mergeFaults, type NetworkFaultOptions } from './faults.js'

function random(seed: number, stream = 'profile.swarm'): Random {
  return new Random(parseSeed(seed), stream)
}

describe('drawSwarmNetworkFaults', () => {
  test('is a function of the stream: same seed, same settings; a fixed number of draws', () => {
    const a = random(42)
    const b = random(42)
    expect(drawSwarmNetworkFaults(a)).toEqual(drawSwarmNetworkFaults(b))
    expect(a.draws).toBe(15)
    expect(b.draws).toBe(15)
  })

  test('draws valid settings, and across seeds turns each fault class on and off', () => {
    const drawn: NetworkFaultOptions[] = []
    for (let seed = 0; seed < 200; seed++) {
      const faults = drawSwarmNetworkFaults(random(seed))
      // Every draw passes the same validation as setFaults.
      expect(mergeFaults(defaultFaults(1_000_000), faults)).toMatchObject(faults)
      drawn.push(faults)
    }
    const share = (on: (faults: NetworkFaultOptions) => boolean): number => drawn.filter(on).length / drawn.length
    expect(share((f) => f.loss_rate?.kind !== 'never')).toBeGreaterThan(0.35)
    expect(share((f) => f.loss_rate?.kind !== 'never')).toBeLessThan(0.65)
    expect(share((f) => f.duplicate_rate?.kind !== 'never')).toBeGreaterThan(0.15)
    expect(share((f) => f.duplicate_rate?.kind !== 'never')).toBeLessThan(0.35)
    expect(share((f) => f.clog_rate?.kind !== 'never')).toBeGreaterThan(0.35)
    expect(share((f) => f.partition_rate?.kind !== 'never')).toBeGreaterThan(0.35)
    expect(share((f) => f.latency?.kind === 'exponential')).toBeGreaterThan(0.35)
    expect(new Set(drawn.map((f) => f.partition_mode)).size).toBe(3)
    expect(new Set(drawn.map((f) => JSON.stringify(f))).size).toBe(200)
  })
})

describe('latency models', () => {
  test('constructors validate; a fixed latency draws nothing', () => {
    expect(Latency.fixed(5)).toEqual({ kind: 'uniform', min_ns: 5, jitter_ns: 0 })
    expect(() => Latency.uniform(1, -1)).toThrow(/latency\.jitter_ns/)
    expect(() => Latency.exponential({ min_ns: 1, mean_ns: 1, max_ns: 0 })).toThrow(/max_ns 0 is below min_ns 1/)
    const stream = random(1, 'network.latency')
    expect(drawLatency(Latency.fixed(7), stream)).toBe(7)
    expect(stream.draws).toBe(0)
  })

  test('exponential latency has its mean above the minimum and never passes max_ns', () => {
    const stream = random(9, 'network.latency')
    const model = Latency.exponential({ min_ns: 1_000, mean_ns: 10_000, max_ns: 1_000_000 })
    let sum = 0
    let min = Infinity
    let max = 0
    let integers = true
    for (let i = 0; i < 20_000; i++) {
      const ns = drawLatency(model, stream)
      min = Math.min(min, ns)
      max = Math.max(max, ns)
      integers &&= Number.isSafeInteger(ns)
      sum += ns
    }
    expect(min).toBeGreaterThanOrEqual(1_000)
    expect(max).toBeLessThanOrEqual(1_000_000)
    expect(integers).toBe(true)
    expect(sum / 20_000).toBeGreaterThan(10_500)
    expect(sum / 20_000).toBeLessThan(11_500)
  })
})

describe('mergeFaults', () => {
  test('applies only the named fields and freezes the result', () => {
    const base = defaultFaults(2_000)
    const merged = mergeFaults(base, { loss_rate: BuggifyRate.percent(5) })
    expect(merged.loss_rate).toEqual(BuggifyRate.percent(5))
    expect(merged.latency).toEqual(base.latency)
    expect(Object.isFrozen(merged)).toBe(true)
  })
})
