import { describe, expect, test } from 'vitest'
import { BuggifyRate } from '../world/buggify.js'
import { World } from '../world/world.js'
import { Simulation } from '../sim/simulation.js'
import { createDiskControl, DiskError, resolveDiskPath, SimDisk, type DiskControl, type DiskOptions } from './index.js'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

function setup(options: DiskOptions = {}, seed = '7'): { world: World; disk: SimDisk; control: DiskControl } {
  const world = new World({ seed })
  const disk = new SimDisk(world, options)
  return { world, disk, control: createDiskControl(disk) }
}

function codeOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof DiskError) return error.code
    throw error
  }
  return 'ok'
}

describe('paths', () => {
  test('normalizes ., .., repeated and trailing slashes; .. stops at /', () => {
    expect(resolveDiskPath('/a//b/./c/')).toBe('/a/b/c')
    expect(resolveDiskPath('/a/../../..')).toBe('/')
    expect(resolveDiskPath('/../x')).toBe('/x')
  })

  test('paths outside the namespace fail with a clear EINVAL, traced', () => {
    const { disk, world } = setup()
    expect(() => disk.lookup('relative/path')).toThrowError(/EINVAL: invalid argument, stat 'relative\/path' \(disk paths are absolute/)
    expect(() => disk.createFile('/a\0b', 0o644, false)).toThrowError(/may not contain a NUL byte/)
    expect(() => disk.mkdir(42 as unknown as string, 0o755)).toThrowError(/must be a string, got number/)
    expect(() => disk.lookup('/' + 'n'.repeat(256))).toThrowError(/at most 255 characters/)
    expect(world.trace.text()).toContain('disk.lookup op=1 path=relative/path error=EINVAL')
  })
})

describe('namespace', () => {
  test('mkdir, createFile, readdir sorted, lookup and stat', () => {
    const { disk } = setup()
    expect(disk.mkdir('/d', 0o40755)).toBe(2)
    const { ino, created } = disk.createFile('/d/b.txt', 0o644, true)
    expect([ino, created]).toEqual([3, true])
    expect(disk.createFile('/d/b.txt', 0o600, false)).toEqual({ ino: 3, created: false })
    disk.createFile('/d/a.txt', 0o644, false)
    disk.mkdir('/d/sub', 0o700)
    expect(disk.readdir('/d').map((entry) => `${entry.name}:${entry.kind}:${entry.ino}`)).toEqual(['a.txt:file:4', 'b.txt:file:3', 'sub:directory:5'])
    const stat = disk.lookup('/d/b.txt')
    expect([stat.ino, stat.kind, stat.size_bytes, stat.mode, stat.nlink, stat.blocks]).toEqual([3, 'file', 0, 0o644, 1, 0])
    const dir = disk.lookup('/d')
    expect([dir.kind, dir.mode, dir.nlink]).toEqual(['directory', 0o755, 3])
    expect(disk.statIno(1).kind).toBe('directory')
    expect(stat.birthtime_ns).toBe(1_704_067_200_000_000_000n)
  })

  test('POSIX errors', () => {
    const { disk } = setup()
    disk.mkdir('/d', 0o755)
    disk.createFile('/f', 0o644, false)
    disk.createFile('/d/x', 0o644, false)
    disk.mkdir('/empty', 0o755)
    expect(codeOf(() => disk.lookup('/nope'))).toBe('ENOENT')
    expect(codeOf(() => disk.lookup('/f/x'))).toBe('ENOTDIR')
    expect(codeOf(() => disk.mkdir('/d', 0o755))).toBe('EEXIST')
    expect(codeOf(() => disk.mkdir('/', 0o755))).toBe('EEXIST')
    expect(codeOf(() => disk.mkdir('/no/sub', 0o755))).toBe('ENOENT')
    expect(codeOf(() => disk.createFile('/f', 0o644, true))).toBe('EEXIST')
    expect(codeOf(() => disk.createFile('/d', 0o644, false))).toBe('EISDIR')
    expect(codeOf(() => disk.createFile('/f/y', 0o644, false))).toBe('ENOTDIR')
    expect(codeOf(() => disk.unlink('/d'))).toBe('EISDIR')
    expect(codeOf(() => disk.unlink('/nope'))).toBe('ENOENT')
    expect(codeOf(() => disk.rmdir('/d'))).toBe('ENOTEMPTY')
    expect(codeOf(() => disk.rmdir('/f'))).toBe('ENOTDIR')
    expect(codeOf(() => disk.rmdir('/'))).toBe('EBUSY')
    expect(codeOf(() => disk.readdir('/f'))).toBe('ENOTDIR')
    expect(codeOf(() => disk.rename('/d', '/d/x/y'))).toBe('ENOTDIR')
    expect(codeOf(() => disk.rename('/d', '/d/inner'))).toBe('EINVAL')
    expect(codeOf(() => disk.rename('/d', '/f'))).toBe('ENOTDIR')
    expect(codeOf(() => disk.rename('/f', '/d'))).toBe('EISDIR')
    expect(codeOf(() => disk.rename('/empty', '/d'))).toBe('ENOTEMPTY')
    expect(codeOf(() => disk.rename('/', '/z'))).toBe('EBUSY')
    expect(codeOf(() => disk.statIno(99))).toBe('EBADF')
    expect(codeOf(() => disk.read(2, 0, 1))).toBe('EISDIR')
    expect(codeOf(() => disk.write(99, 0, enc('x')))).toBe('EBADF')
    expect(codeOf(() => disk.write(3, -1, enc('x')))).toBe('EINVAL')
  })

  test('rename replaces a file, moves directories, and renaming onto itself is a no-op', () => {
    const { disk, control } = setup()
    const a = disk.createFile('/a', 0o644, false).ino
    disk.write(a, 0, enc('new'))
    const b = disk.createFile('/b', 0o644, false).ino
    disk.write(b, 0, enc('old'))
    disk.rename('/a', '/b')
    expect(disk.lookup('/b').ino).toBe(a)
    expect(codeOf(() => disk.lookup('/a'))).toBe('ENOENT')
    expect(dec(control.volatileFile('/b'))).toBe('new')
    disk.mkdir('/d', 0o755)
    disk.createFile('/d/x', 0o644, false)
    disk.mkdir('/empty', 0o755)
    disk.rename('/d', '/empty')
    expect(disk.readdir('/empty').map((entry) => entry.name)).toEqual(['x'])
    disk.rename('/b', '/b')
    expect(disk.lookup('/b').ino).toBe(a)
  })

  test('an unlinked file stays usable through a held inode until released, then is freed', () => {
    const { disk } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.retain(ino)
    disk.write(ino, 0, enc('still here'))
    disk.unlink('/f')
    disk.fsync(1)
    expect(dec(disk.read(ino, 0, 100))).toBe('still here')
    expect(disk.statIno(ino).nlink).toBe(0)
    disk.release(ino)
    expect(codeOf(() => disk.statIno(ino))).toBe('EBADF')
  })

  test('an unlinked file without holds frees its space once the unlink is durable', () => {
    const { disk, control } = setup({ sector_size_bytes: 8 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, new Uint8Array(32))
    expect(control.usedBytes()).toBe(32)
    disk.unlink('/f')
    expect(control.usedBytes()).toBe(32)
    disk.fsync(1)
    expect(control.usedBytes()).toBe(0)
    expect(codeOf(() => disk.statIno(ino))).toBe('EBADF')
  })

  test('the directory-entry journal is bounded: past 65536 pending changes the oldest are committed', () => {
    const { disk, control, world } = setup()
    for (let i = 0; i < 33_000; i++) {
      disk.createFile('/f', 0o644, false)
      disk.unlink('/f')
    }
    expect(control.pendingDirEntries()).toBe(65_536)
    expect(world.trace.text()).toContain('event=65536 disk.journal_full op=65537 committed_seq=0\n')
  })
})

describe('data', () => {
  test('reads are EOF-aware, gaps read as zeros, and sectors are sparse', () => {
    const { disk, control } = setup({ sector_size_bytes: 16 })
    const { ino } = disk.createFile('/f', 0o644, false)
    expect(disk.write(ino, 100, enc('tail'))).toBe(4)
    expect(disk.statIno(ino).size_bytes).toBe(104)
    expect(control.usedBytes()).toBe(16)
    expect([...disk.read(ino, 98, 10)]).toEqual([0, 0, 116, 97, 105, 108])
    expect(disk.read(ino, 104, 10).length).toBe(0)
    expect(disk.read(ino, 500, 10).length).toBe(0)
    disk.write(ino, 0, enc('head'))
    const target = new Uint8Array(8).fill(9)
    expect(disk.readInto(ino, 0, target, 2, 6)).toBe(6)
    expect([...target]).toEqual([9, 9, 104, 101, 97, 100, 0, 0])
    expect(disk.statIno(ino).blocks).toBe(1)
  })

  test('a write newly dirtying several sectors: uncovered bytes read as zeros or keep their content, durable copies intact', () => {
    const { disk, control } = setup({ sector_size_bytes: 4 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('abcdefgh')) // sectors 0 and 1
    disk.fsync(ino)
    disk.fsync(1)
    // Sectors 1 (partly, over old content), 2, 3 (whole) and 4 (partly, a fresh one) in one write.
    expect(disk.write(ino, 6, enc('1234567890'))).toBe(10)
    expect(dec(disk.read(ino, 0, 16))).toBe('abcdef1234567890')
    expect(dec(control.durableFile('/f'))).toBe('abcdefgh')
    disk.write(ino, 20, enc('zz')) // leaves a hole in sector 4 and sector 5 fresh
    expect([...disk.read(ino, 14, 8)]).toEqual([...enc('90'), 0, 0, 0, 0, ...enc('zz')])
    disk.fsync(ino)
    expect(control.durableFile('/f')).toEqual(control.volatileFile('/f'))
  })

  test('recycled sectors (from freed files and committed durable copies) never show their old bytes', () => {
    const { disk, control } = setup({ sector_size_bytes: 8 })
    const stale = new Uint8Array(64).fill(0xee)
    // Fill sectors, make them durable, overwrite part of them (durable copies kept), fsync (copies recycled).
    const old = disk.createFile('/old', 0o644, false).ino
    disk.write(old, 0, stale)
    disk.fsync(old)
    disk.fsync(1)
    disk.write(old, 3, stale.subarray(0, 40))
    disk.fsync(old)
    // Unlink it and make that durable: the inode is freed and its sectors go to the free list.
    disk.unlink('/old')
    disk.fsync(1)
    expect(control.usedBytes()).toBe(0)
    // A new file written partly: every byte the writes did not cover reads as zero.
    const { ino } = disk.createFile('/new', 0o644, false)
    disk.write(ino, 3, enc('ab')) // inside sector 0
    disk.write(ino, 21, enc('cdefghijklm')) // sectors 2 (from 5) and 3 (to 0), sector 1 a hole
    const expected = new Uint8Array(32)
    expected.set(enc('ab'), 3)
    expected.set(enc('cdefghijklm'), 21)
    expect([...disk.read(ino, 0, 64)]).toEqual([...expected])
    disk.fsync(ino)
    disk.fsync(1)
    // A partial write over a committed sector keeps its other bytes, in the volatile and durable views.
    disk.write(ino, 1, enc('Z'))
    expected[1] = 0x5a
    expect([...disk.read(ino, 0, 64)]).toEqual([...expected])
    expect([...(control.durableFile('/new') ?? [])]).toEqual([...expected].map((byte, i) => (i === 1 ? 0 : byte)))
  })

  test('sector reuse against a byte-array model: random writes, fsyncs and unlinks over many files', () => {
    const { disk } = setup({ sector_size_bytes: 16 })
    let state = 12345
    const next = (bound: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return state % bound
    }
    const model = new Map<string, { ino: number; bytes: Uint8Array }>()
    for (let step = 0; step < 3000; step++) {
      const name = `/f${next(6)}`
      const file = model.get(name)
      const action = next(10)
      if (file === undefined) {
        model.set(name, { ino: disk.createFile(name, 0o644, false).ino, bytes: new Uint8Array(0) })
      } else if (action < 6) {
        const offset = next(100)
        const data = new Uint8Array(1 + next(60)).fill(1 + next(255))
        disk.write(file.ino, offset, data)
        const grown = new Uint8Array(Math.max(file.bytes.length, offset + data.length))
        grown.set(file.bytes)
        grown.set(data, offset)
        file.bytes = grown
      } else if (action < 8) {
        disk.fsync(file.ino)
        disk.fsync(1)
      } else {
        disk.unlink(name)
        disk.fsync(1)
        model.delete(name)
      }
      for (const { ino, bytes } of model.values()) expect(disk.read(ino, 0, 1024)).toEqual(bytes)
    }
  })

  test('lookupOrNull: null where lookup fails with ENOENT, traced the same; other errors still throw', () => {
    const traced = (run: (disk: SimDisk) => unknown): { value: unknown; trace: string } => {
      const { world, disk } = setup()
      disk.mkdir('/d', 0o755)
      disk.createFile('/d/f', 0o644, false)
      let value: unknown
      try {
        value = run(disk)
      } catch (error) {
        value = error instanceof DiskError ? error.code : error
      }
      return { value, trace: new TextDecoder().decode(world.trace.bytes()) }
    }
    for (const path of ['/d/missing', '/missing/f']) {
      const soft = traced((disk) => disk.lookupOrNull(path))
      const hard = traced((disk) => disk.lookup(path))
      expect(soft.value).toBeNull()
      expect(hard.value).toBe('ENOENT')
      expect(soft.trace).toBe(hard.trace)
    }
    expect(traced((disk) => disk.lookupOrNull('/d/f/x')).value).toBe('ENOTDIR')
    expect(traced((disk) => disk.lookupOrNull('relative')).value).toBe('EINVAL')
    const found = traced((disk) => disk.lookupOrNull('/d/f'))
    const looked = traced((disk) => disk.lookup('/d/f'))
    expect(found).toEqual(looked)
  })

  test('truncate shrinks (zeroing the cut tail) and extends with zeros', () => {
    const { disk, control } = setup({ sector_size_bytes: 4 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('abcdefghij'))
    disk.truncate(ino, 5)
    expect(dec(control.volatileFile('/f'))).toBe('abcde')
    expect(control.usedBytes()).toBe(8)
    disk.truncate(ino, 8)
    expect([...(control.volatileFile('/f') as Uint8Array)]).toEqual([97, 98, 99, 100, 101, 0, 0, 0])
  })

  test('capacity: a write needing more sectors than allowed fails with ENOSPC and writes nothing', () => {
    const { disk, control } = setup({ sector_size_bytes: 8, capacity_bytes: 16 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('0123456789abcdef'))
    expect(() => disk.write(ino, 16, enc('x'))).toThrowError(/ENOSPC: no space left on device, write \(capacity 16 bytes\)/)
    expect(disk.statIno(ino).size_bytes).toBe(16)
    disk.write(ino, 3, enc('overwrite fits'.slice(0, 5)))
    disk.truncate(ino, 8)
    disk.write(ino, 8, enc('again'))
    control.setCapacity(null)
    disk.write(ino, 64, enc('unlimited'))
    expect(() => control.setCapacity(-1)).toThrowError(RangeError)
  })

  test('corruptSector damages the stored sector, volatile and durable, until it is rewritten', () => {
    const { disk, control } = setup({ sector_size_bytes: 4 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('aaaabbbbcc'))
    disk.fsync(ino)
    disk.fsync(1)
    control.corruptSector('/f', 5)
    const damaged = control.volatileFile('/f') as Uint8Array
    expect(dec(damaged.subarray(0, 4))).toBe('aaaa')
    for (let i = 4; i < 8; i++) expect(damaged[i]).not.toBe(98)
    expect(dec(damaged.subarray(8))).toBe('cc')
    expect(control.durableFile('/f')).toEqual(damaged)
    disk.write(ino, 4, enc('BBBB'))
    expect(dec(control.volatileFile('/f'))).toBe('aaaaBBBBcc')
    expect(() => control.corruptSector('/f', 10)).toThrowError(/EINVAL.*outside the file/)
    expect(() => control.corruptSector('/nope', 0)).toThrowError(/ENOENT/)
  })
})

describe('latency', () => {
  test('min_latency_ns plus seeded jitter in [0, jitter_ns], each value reached', () => {
    const { disk } = setup({ min_latency_ns: 1000, jitter_ns: 3 })
    const seen = new Set<number>()
    for (let i = 0; i < 1000; i++) {
      const latency = disk.latencyNs(i % 2 === 0 ? 'read' : 'sync')
      expect(latency).toBeGreaterThanOrEqual(1000)
      expect(latency).toBeLessThanOrEqual(1003)
      seen.add(latency)
    }
    expect([...seen].sort()).toEqual([1000, 1001, 1002, 1003])
  })

  test('min_latency_ns defaults to the tick; without jitter no randomness is drawn', () => {
    const world = new World({ seed: 1 })
    expect(new SimDisk(world, { tick_ns: 250_000 }).latencyNs('write')).toBe(250_000)
    expect(new SimDisk(world).latencyNs('write')).toBe(1_000_000)
    expect(world.random('disk.latency').draws).toBe(0)
  })
})

describe('operation faults', () => {
  test('read_error_rate: EIO', () => {
    const { disk, control } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    control.setFaults({ read_error_rate: BuggifyRate.always() })
    expect(() => disk.read(ino, 0, 1)).toThrowError(/EIO: i\/o error, read \(read_error_rate fired\)/)
  })

  test('write_error_rate: EIO and nothing written', () => {
    const { disk, control } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    control.setFaults({ write_error_rate: BuggifyRate.always() })
    expect(codeOf(() => disk.write(ino, 0, enc('lost')))).toBe('EIO')
    expect(disk.statIno(ino).size_bytes).toBe(0)
  })

  test('corrupt_read_rate: one returned byte flipped, stored data intact', () => {
    const { disk, control } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('hello'))
    control.setFaults({ corrupt_read_rate: BuggifyRate.always() })
    const read = disk.read(ino, 0, 5)
    const differing = [...read].filter((byte, i) => byte !== enc('hello')[i])
    expect(differing.length).toBe(1)
    expect(dec(control.volatileFile('/f'))).toBe('hello')
  })

  test('short_write_rate: fewer bytes written (at least one), and said so', () => {
    const { disk, control } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    control.setFaults({ short_write_rate: BuggifyRate.always() })
    const written = disk.write(ino, 0, enc('0123456789'))
    expect(written).toBeGreaterThanOrEqual(1)
    expect(written).toBeLessThan(10)
    expect(dec(control.volatileFile('/f'))).toBe('0123456789'.slice(0, written))
  })

  test('misdirected_write_rate: the data lands at another sector of the file', () => {
    const { disk, control, world } = setup({ sector_size_bytes: 4 })
    const { ino } = disk.createFile('/f', 0o644, false)
    disk.write(ino, 0, enc('aaaabbbbcccc'))
    control.setFaults({ misdirected_write_rate: BuggifyRate.always() })
    expect(disk.write(ino, 5, enc('XY'))).toBe(2)
    const content = dec(control.volatileFile('/f')) as string
    expect(content.slice(4, 8)).toBe('bbbb')
    const landed = Number(/misdirected_to=(\d+)/.exec(world.trace.text())?.[1])
    expect(landed % 4).toBe(1)
    expect(landed).not.toBe(5)
    expect(content.slice(landed, landed + 2)).toBe('XY')
  })

  test('invalid fault profiles fail with a RangeError naming the field', () => {
    const { control } = setup()
    expect(() => control.setFaults({ read_error_rate: { kind: 'percent', percent: 101 } })).toThrowError(
      /^DiskFaultOptions.read_error_rate: BuggifyRate.percent\(101\): the percentage must be an integer from 0 to 100$/,
    )
    expect(() => control.setFaults({ crash_lost_rate: BuggifyRate.always() } as never)).toThrowError(/unknown field "crash_lost_rate"/)
    expect(() => new SimDisk(new World({ seed: 1 }), { sector_size_bytes: 0 })).toThrowError(RangeError)
    expect(() => new Simulation({ seed: 1, disk: { faults: { write_error_rate: { kind: 'ratio', numerator: 2, denominator: 1 } } } })).toThrowError(RangeError)
  })
})

describe('crash and restart', () => {
  test('every operation fails with EIO while crashed; restart brings the disk back', () => {
    const { disk, control } = setup()
    const { ino } = disk.createFile('/f', 0o644, false)
    control.crash()
    expect(control.crashed).toBe(true)
    const calls: (() => unknown)[] = [
      () => disk.lookup('/f'),
      () => disk.statIno(ino),
      () => disk.mkdir('/d', 0o755),
      () => disk.rmdir('/d'),
      () => disk.readdir('/'),
      () => disk.createFile('/g', 0o644, false),
      () => disk.unlink('/f'),
      () => disk.rename('/f', '/g'),
      () => disk.read(ino, 0, 1),
      () => disk.readInto(ino, 0, new Uint8Array(1), 0, 1),
      () => disk.write(ino, 0, enc('x')),
      () => disk.truncate(ino, 0),
      () => disk.fsync(ino),
      () => disk.setTimes(ino, 0n, 0n),
      () => disk.setMode(ino, 0o600),
      () => disk.retain(ino),
    ]
    for (const call of calls) expect(call).toThrowError(/EIO: i\/o error, .*the disk is crashed/)
    expect(() => control.crash()).toThrowError(/already crashed/)
    control.restart()
    expect(disk.lookup('/f').ino).toBe(ino)
    expect(() => control.restart()).toThrowError(/not crashed/)
  })

  test('Simulation: sim.disk is built on first use and control.disk controls it', () => {
    const sim = new Simulation({ seed: 3, disk: { sector_size_bytes: 512 } })
    expect(sim.world.trace.event_count).toBe(0)
    expect(sim.disk.sector_size_bytes).toBe(512)
    expect(sim.disk.min_latency_ns).toBe(sim.control.tick_ns)
    expect(sim.control.disk).toBe(sim.control.disk)
    sim.disk.createFile('/x', 0o644, false)
    sim.control.disk.crash()
    expect(sim.disk.crashed).toBe(true)
  })
})
