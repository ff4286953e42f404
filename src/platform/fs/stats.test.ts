import { Stats } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { DiskStat } from '../../disk/index.js'
import { toDirent } from './dirent.js'
import { toStats } from './stats.js'

const FILE: DiskStat = {
  ino: 7,
  kind: 'file',
  size_bytes: 10,
  mode: 0o644,
  nlink: 1,
  blocks: 8,
  atime_ns: 1_704_067_200_123_456_789n,
  mtime_ns: 1_704_067_201_000_000_000n,
  ctime_ns: 1_704_067_201_000_000_000n,
  birthtime_ns: 1_704_067_200_000_000_000n,
}

describe('Stats and Dirent', () => {
  test('plain stats are real fs.Stats with the type bits and the simulated clock times', () => {
    const stats = toStats(FILE, 4096, false) as Stats
    expect(stats).toBeInstanceOf(Stats)
    expect(stats.isFile()).toBe(true)
    expect(stats.isDirectory()).toBe(false)
    expect(stats.mode).toBe(0o100644)
    expect([stats.ino, stats.size, stats.blocks, stats.blksize, stats.uid]).toEqual([7, 10, 8, 4096, 1000])
    expect(stats.atimeMs).toBeCloseTo(1_704_067_200_123.456789, 3)
    expect(stats.mtime.toISOString()).toBe('2024-01-01T00:00:01.000Z')
  })

  test('bigint stats carry nanoseconds and share isFile/isDirectory', () => {
    const stats = toStats({ ...FILE, kind: 'directory', mode: 0o755 }, 4096, true) as unknown as Record<string, unknown> & { isDirectory(): boolean; isFile(): boolean }
    expect(stats.constructor.name).toBe('BigIntStats')
    expect(stats.isDirectory()).toBe(true)
    expect(stats.isFile()).toBe(false)
    expect(stats.mode).toBe(0o40755n)
    expect(stats.atimeNs).toBe(1_704_067_200_123_456_789n)
    expect(stats.atimeMs).toBe(1_704_067_200_123n)
  })

  test('Dirent is the real class', () => {
    const dirent = toDirent('x', 'directory', '/d')
    expect(dirent.isDirectory()).toBe(true)
    expect([dirent.name, dirent.parentPath]).toEqual(['x', '/d'])
  })
})
