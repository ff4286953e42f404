import { describe, expect, test } from 'vitest'
import { runDelivery, runShape } from './network.js'

// The benchmark's correctness at a tiny size: no timing here, only determinism and the work done.
describe('network benchmark workload', () => {
  for (const chains of [1, 100]) {
    test(`every message is delivered, and the hash is deterministic (${chains} chain(s))`, async () => {
      const first = await runDelivery(2_000, chains)
      expect((await runDelivery(2_000, chains)).hash).toBe(first.hash)
      expect(first.elapsed_ms).toBeGreaterThanOrEqual(0)
    })
  }

  test('the hash depends on the shape, and the timer baseline runs in the same harness', async () => {
    expect((await runDelivery(2_000, 1)).hash).not.toBe((await runDelivery(2_000, 100)).hash)
    expect((await runShape('timer', 2_000, 1)).hash).toBe((await runShape('timer', 2_000, 1)).hash)
  })
})
