import { describe, expect, test } from 'vitest'
import { BuggifyRate } from '../world/buggify.js'
import { World } from '../world/world.js'
import { createDiskControl, SimDisk } from './index.js'

/** A scripted scenario touching every kind of trace event: the replay contract of the disk. */
function scenario(seed: string): string {
  const world = new World({ seed, name: 'disk-trace' })
  const disk = new SimDisk(world, { sector_size_bytes: 8 })
  const control = createDiskControl(disk)
  const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
  disk.mkdir('/wal dir', 0o755)
  const { ino } = disk.createFile('/wal dir/log', 0o644, true)
  disk.write(ino, 0, enc('record-1'))
  disk.fsync(ino)
  disk.fsync(2) // commits the entry of /wal dir/log and, before it, that of /wal dir
  control.setFaults({
    read_error_rate: BuggifyRate.percent(30),
    crash_torn_write_rate: BuggifyRate.percent(50),
    crash_lost_dir_entry_rate: BuggifyRate.percent(50),
  })
  disk.write(ino, 8, enc('record-2 spans two'))
  try {
    disk.read(ino, 0, 8)
  } catch {
    // a read error is one of the traced outcomes
  }
  disk.createFile('/wal dir/next', 0o644, false)
  disk.rename('/wal dir/next', '/wal dir/renamed')
  try {
    disk.unlink('/missing')
  } catch {
    // ENOENT is traced too
  }
  control.crash()
  try {
    disk.statIno(ino)
  } catch {
    // EIO while crashed
  }
  control.restart()
  control.corruptSector('/wal dir/log', 3)
  disk.readdir('/wal dir')
  return world.trace.text()
}

export { scenario }

describe('disk trace', () => {
  test('a scripted scenario gives exactly these bytes', () => {
    expect(scenario('0xC0FFEE')).toBe(SNAPSHOT)
  })

  test('same seed, same bytes; another seed, other fault rolls', () => {
    expect(scenario('42')).toBe(scenario('42'))
    const outcomes = new Set<string>()
    for (let seed = 1; seed <= 12; seed++) outcomes.add(scenario(String(seed)).replace(/run.attribute key=seed[^\n]*\n/, ''))
    expect(outcomes.size).toBeGreaterThan(1)
  })
})

const SNAPSHOT = `run.name value=disk-trace
run.attribute key=seed type=int value=12648430
event=0 disk.mkdir op=1 path=/wal%20dir ino=2
event=1 disk.create op=2 path=/wal%20dir/log ino=3 created=true
event=2 disk.write op=3 ino=3 offset=0 size=8 written=8
event=3 disk.fsync op=4 ino=3 kind=file writes=1
event=4 disk.fsync op=5 ino=2 kind=directory entries=2
event=5 disk.faults read_error_rate=percent:30 crash_torn_write_rate=percent:50 crash_lost_dir_entry_rate=percent:50
event=6 disk.write op=6 ino=3 offset=8 size=18 written=18
event=7 disk.fault op=7 fault=read_error_rate rate=percent:30 roll=0 fired=true
event=8 disk.read op=7 ino=3 offset=0 size=8 error=EIO
event=9 disk.create op=8 path=/wal%20dir/next ino=4 created=true
event=10 disk.rename op=9 from=/wal%20dir/next to=/wal%20dir/renamed ino=4 replaced=0
event=11 disk.unlink op=10 path=/missing error=ENOENT
event=12 disk.crash op=11 pending_writes=1 pending_dir_entries=2
event=13 disk.fault op=8 fault=crash_lost_dir_entry_rate rate=percent:50 roll=73 fired=false
event=14 disk.crash_dir_entry op=8 operation=create path=/wal%20dir/next result=landed
event=15 disk.fault op=9 fault=crash_lost_dir_entry_rate rate=percent:50 roll=76 fired=false
event=16 disk.crash_dir_entry op=9 operation=rename path=/wal%20dir/next to=/wal%20dir/renamed result=landed
event=17 disk.fault op=6 fault=crash_torn_write_rate rate=percent:50 roll=34 fired=true
event=18 disk.crash_write op=6 ino=3 offset=8 size=18 sectors=3 result=torn landed_sectors=1
event=19 disk.stat op=12 error=EIO
event=20 disk.restart op=13
event=21 disk.corrupt op=14 path=/wal%20dir/log ino=3 offset=3 sector=0
event=22 disk.readdir op=15 path=/wal%20dir entries=2
`
