import { describe, expect, test } from 'vitest'
import { BuggifyRate } from '../world/buggify.js'
import { World } from '../world/world.js'
import { createDiskControl, SimDisk, type DiskControl, type DiskFaultOptions } from './index.js'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

function setup(faults: DiskFaultOptions = {}, sector_size_bytes = 4, seed = '7'): { world: World; disk: SimDisk; control: DiskControl } {
  const world = new World({ seed })
  const disk = new SimDisk(world, { sector_size_bytes, faults })
  return { world, disk, control: createDiskControl(disk) }
}

/** A durable file `/f` holding `synced`, then `writes` pending. */
function pendingFile(disk: SimDisk, synced: string, writes: [number, string][]): number {
  const { ino } = disk.createFile('/f', 0o644, false)
  disk.write(ino, 0, enc(synced))
  disk.fsync(ino)
  disk.fsync(1)
  for (const [offset, text] of writes) disk.write(ino, offset, enc(text))
  return ino
}

describe('crash outcomes of pending writes', () => {
  test('no crash faults: every pending write lands', () => {
    const { disk, control } = setup()
    pendingFile(disk, 'aaaabbbb', [[0, 'AAAA'], [8, 'cccc']])
    expect(control.pendingWrites()).toBe(2)
    control.crash()
    control.restart()
    expect(dec(control.volatileFile('/f'))).toBe('AAAAbbbbcccc')
    expect(control.pendingWrites()).toBe(0)
  })

  test('lost: pending writes vanish, synced data and size stay', () => {
    const { disk, control, world } = setup({ crash_lost_write_rate: BuggifyRate.always() })
    pendingFile(disk, 'aaaabbbb', [[0, 'AAAA'], [8, 'cccc']])
    expect(dec(control.durableFile('/f'))).toBe('aaaabbbb')
    control.crash()
    control.restart()
    expect(dec(control.volatileFile('/f'))).toBe('aaaabbbb')
    expect(world.trace.text()).toContain('disk.crash_write op=5 ino=2 offset=0 size=4 sectors=1 result=lost')
  })

  test('torn across sectors: a sector-aligned prefix lands; the rest is lost', () => {
    const { disk, control, world } = setup({ crash_torn_write_rate: BuggifyRate.always() })
    pendingFile(disk, '', [[0, 'AAAABBBBCCCCDDDD']])
    control.crash()
    control.restart()
    const landed = Number(/landed_sectors=(\d+)/.exec(world.trace.text())?.[1])
    expect(landed).toBeGreaterThanOrEqual(1)
    expect(landed).toBeLessThanOrEqual(3)
    expect(dec(control.volatileFile('/f'))).toBe('AAAABBBBCCCCDDDD'.slice(0, landed * 4))
  })

  test('torn inside one sector: latest bytes up to a seeded cut, durable bytes after it', () => {
    const { disk, control, world } = setup({ crash_torn_write_rate: BuggifyRate.always() }, 16)
    pendingFile(disk, '0123456789', [[2, 'abcdefgh']])
    control.crash()
    control.restart()
    const cut = Number(/ cut=(\d+)/.exec(world.trace.text())?.[1])
    expect(cut).toBeGreaterThan(2)
    expect(cut).toBeLessThan(10)
    expect(dec(control.volatileFile('/f'))).toBe('01' + 'abcdefgh'.slice(0, cut - 2) + '0123456789'.slice(cut))
  })

  test('ordered write-back: after the first lost write, later ones are lost without a roll', () => {
    let cuts_before_last = 0
    for (let seed = 1; seed <= 20; seed++) {
      const { disk, control, world } = setup({ crash_lost_write_rate: BuggifyRate.percent(50) }, 4, String(seed))
      pendingFile(disk, 'aaaabbbbccccdddd', [[0, 'A'], [4, 'B'], [8, 'C'], [12, 'D']])
      control.crash()
      const lines = world.trace.text().split('\n').filter((line) => line.includes('disk.crash_write') || line.includes('disk.fault'))
      const first_lost = lines.findIndex((line) => line.includes('result=lost'))
      if (first_lost < 0) continue
      const after = lines.slice(first_lost + 1)
      expect(after.every((line) => line.includes('result=lost'))).toBe(true)
      if (after.length > 0) cuts_before_last++
    }
    expect(cuts_before_last).toBeGreaterThan(0)
  })

  test('reorder: writes after a lost one land anyway', () => {
    const { disk, control, world } = setup({ crash_lost_write_rate: BuggifyRate.always(), crash_reorder_write_rate: BuggifyRate.always() })
    pendingFile(disk, 'aaaabbbbcccc', [[0, 'A'], [4, 'B'], [8, 'C']])
    control.crash()
    control.restart()
    expect(dec(control.volatileFile('/f'))).toBe('aaaaBbbbCccc')
    expect(world.trace.text().match(/result=reordered/g)?.length).toBe(2)
  })

  test('a write whose sectors were all rewritten later is superseded: it follows the later write', () => {
    const { disk, control, world } = setup({ crash_lost_write_rate: BuggifyRate.always() })
    pendingFile(disk, 'aaaa', [[0, 'X'], [1, 'Y']])
    control.crash()
    expect(world.trace.text()).toContain('sectors=0 result=superseded')
    expect(dec(control.durableFile('/f'))).toBe('aaaa')
  })

  test('truncate: the size is durable at once, pending data is not', () => {
    const { disk, control } = setup({ crash_lost_write_rate: BuggifyRate.always() })
    const ino = pendingFile(disk, 'old content!', [])
    disk.truncate(ino, 0)
    disk.write(ino, 0, enc('new'))
    control.crash()
    control.restart()
    expect(dec(control.volatileFile('/f'))).toBe('')
  })
})

describe('directory entries', () => {
  test('file fsynced but its directory not: the entry is lost after a crash', () => {
    const { disk, control } = setup({ crash_lost_dir_entry_rate: BuggifyRate.always() })
    disk.mkdir('/data', 0o755)
    disk.fsync(1)
    const { ino } = disk.createFile('/data/log', 0o644, false)
    disk.write(ino, 0, enc('synced'))
    disk.fsync(ino)
    expect(control.durableTree()).toEqual(['/data'])
    expect(control.volatileFile('/data/log')).not.toBeNull()
    control.crash()
    control.restart()
    expect(control.durableTree()).toEqual(['/data'])
    expect(control.volatileFile('/data/log')).toBeNull()
  })

  test('with the directory fsynced the entry survives', () => {
    const { disk, control } = setup({ crash_lost_dir_entry_rate: BuggifyRate.always() })
    const { ino } = disk.createFile('/log', 0o644, false)
    disk.write(ino, 0, enc('synced'))
    disk.fsync(ino)
    disk.fsync(1)
    control.crash()
    control.restart()
    expect(dec(control.volatileFile('/log'))).toBe('synced')
  })

  test('an unsynced rename and unlink roll back: the old names come back', () => {
    const { disk, control } = setup({ crash_lost_dir_entry_rate: BuggifyRate.always() })
    const tmp = disk.createFile('/tmp', 0o644, false).ino
    disk.write(tmp, 0, enc('new'))
    disk.fsync(tmp)
    const old = disk.createFile('/db', 0o644, false).ino
    disk.write(old, 0, enc('old'))
    disk.fsync(old)
    disk.fsync(1)
    disk.rename('/tmp', '/db')
    disk.createFile('/other', 0o644, false)
    disk.unlink('/other')
    expect(control.pendingDirEntries()).toBe(3)
    control.crash()
    control.restart()
    expect(control.durableTree()).toEqual(['/db', '/tmp'])
    expect(dec(control.volatileFile('/db'))).toBe('old')
    expect(disk.lookup('/db').ino).toBe(old)
  })

  test('a seeded prefix of the pending changes lands; fsync of a directory commits every earlier change too', () => {
    const { disk, control, world } = setup({ crash_lost_dir_entry_rate: BuggifyRate.percent(50) }, 4, '12')
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) disk.createFile('/' + name, 0o644, false)
    disk.mkdir('/z', 0o755)
    disk.fsync(disk.lookup('/z').ino)
    expect(control.pendingDirEntries()).toBe(7)
    disk.fsync(1)
    expect(control.pendingDirEntries()).toBe(0)
    for (const name of ['g', 'h', 'i', 'j']) disk.createFile('/' + name, 0o644, false)
    control.crash()
    const landed = world.trace.text().match(/result=landed/g)?.length ?? 0
    expect(control.durableTree()).toEqual(['/a', '/b', '/c', '/d', '/e', '/f', ...['/g', '/h', '/i', '/j'].slice(0, landed), '/z'])
  })
})
