import { Volume } from 'memfs'
import { describe, expect, test } from 'vitest'
import {
  benchmark,
  expectedChecksum,
  makePlan,
  parseArgs,
  runCalls,
  runMarionette,
  runMemfs,
  SHAPES,
  treeChecksum,
  type BenchFileHandle,
  type BenchFs,
} from './disk.js'

// The disk benchmark's correctness at a tiny size: no timing assertions, only that both runners make
// the same calls, leave the tree the plan predicts, and that marionette's end state is durable.
const tiny = { rounds: 6, files: 12, dirs: 3 }

/** memfs, except that every read through a handle flips the first byte it returns: a file system that lies. */
function lyingMemfs(): BenchFs {
  const fs = new Volume().promises as unknown as BenchFs
  return {
    mkdir: (path, options) => fs.mkdir(path, options),
    rename: (from, to) => fs.rename(from, to),
    unlink: (path) => fs.unlink(path),
    readFile: (path) => fs.readFile(path),
    readdir: (path) => fs.readdir(path),
    open: async (path, flags): Promise<BenchFileHandle> => {
      const handle = await fs.open(path, flags)
      return {
        write: (buffer, offset, length, position) => handle.write(buffer, offset, length, position),
        sync: () => handle.sync(),
        close: () => handle.close(),
        read: async (buffer, offset, length, position) => {
          const result = await handle.read(buffer, offset, length, position)
          if (result.bytesRead > 0) buffer[offset] = (buffer[offset] as number) ^ 0xff
          return result
        },
      }
    },
  }
}

describe('disk benchmark workload', () => {
  test('the plan is seeded: the same seed gives the same plan, another seed another tree', () => {
    const a = makePlan(tiny)
    const b = makePlan(tiny)
    expect(a.pool.equals(b.pool)).toBe(true)
    expect(a.chunk_sizes).toEqual(b.chunk_sizes)
    expect(a.action).toEqual(b.action)
    expect(expectedChecksum(a)).toBe(expectedChecksum(b))
    expect(expectedChecksum(makePlan(tiny, 7))).not.toBe(expectedChecksum(a))
    // Every kind of step occurs: skips, both read-backs, unlinks, chunks of 1 byte to tens of KiB.
    const plan = makePlan({ rounds: 40, files: 32, dirs: 4 })
    expect(new Set(plan.action)).toEqual(new Set([0, 1, 2]))
    expect(plan.unlink.includes(1)).toBe(true)
    expect(Math.min(...plan.chunk_sizes)).toBe(1)
    expect(Math.max(...plan.chunk_sizes)).toBeGreaterThan(32 * 1024)
  })

  for (const { lanes } of SHAPES) {
    test(`marionette and memfs make the same calls and leave the tree the plan predicts (${lanes} lane(s))`, async () => {
      const plan = makePlan(tiny)
      const marionette = await runMarionette(plan, lanes)
      const memfs = await runMemfs(plan, lanes)
      expect(marionette.calls).toBe(memfs.calls)
      expect(marionette.calls).toBeGreaterThan(tiny.rounds * tiny.files * 5)
      expect(marionette.checksum).toBe(expectedChecksum(plan))
      expect(memfs.checksum).toBe(expectedChecksum(plan))
      // Every round ends with its directories fsynced: nothing is pending, the durable view is the volatile one.
      expect(marionette.durable_matches).toBe(true)
      expect(marionette.steps).toBeGreaterThanOrEqual(marionette.calls)
      // Deterministic: a second run replays the same trace.
      const again = await runMarionette(plan, lanes)
      expect(again.trace_sha256).toBe(marionette.trace_sha256)
      expect(again.trace_bytes).toBe(marionette.trace_bytes)
    })
  }

  test('a file system that returns other bytes than were written fails the run', async () => {
    await expect(runCalls(lyingMemfs(), makePlan(tiny), 1)).rejects.toThrow(/returned other bytes/)
  })

  test('the final-tree checksum sees a missing file', async () => {
    const plan = makePlan(tiny)
    const fs = new Volume().promises as unknown as BenchFs
    await runCalls(fs, plan, 1)
    expect(await treeChecksum(fs, plan)).toBe(expectedChecksum(plan))
    const [name] = (await fs.readdir('/bench/d0')).sort()
    await fs.unlink(`/bench/d0/${name as string}`)
    expect(await treeChecksum(fs, plan)).not.toBe(expectedChecksum(plan))
  })

  test('the benchmark in quick mode reports both runners for every shape, with no problem', async () => {
    const options = parseArgs(['--quick', '--reps', '1', '--warmup', '0', '--rounds', '3', '--files', '8', '--dirs', '2', '--no-write'])
    expect(options.write).toBe(false)
    const { report, problems } = await benchmark(options)
    expect(problems).toEqual([])
    expect(Object.keys(report.workloads)).toEqual(SHAPES.map((shape) => shape.key))
    for (const shape of Object.values(report.workloads)) {
      expect(shape.calls_per_s.marionette).toBeGreaterThan(0)
      expect(shape.calls_per_s.memfs).toBeGreaterThan(0)
      expect(shape.ratio_vs_memfs).toBeGreaterThan(0)
      expect(shape.durable_matches).toBe(true)
    }
    expect(report.memfs).toMatch(/^4\./)
  })
})
