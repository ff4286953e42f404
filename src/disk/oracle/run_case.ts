import { BuggifyRate } from '../../world/buggify.js'
import { Random } from '../../world/random.js'
import { parseSeed } from '../../world/seed.js'
import { World } from '../../world/world.js'
import type { DiskControl } from '../control.js'
import { createDiskControl } from '../disk_control.js'
import { DiskError } from '../disk_error.js'
import { DISK_FAULT_NAMES, validateDiskFaults, type DiskFaultOptions, type DiskFaults } from '../faults.js'
import { SimDisk } from '../sim_disk.js'
import { checkCrash } from './check.js'
import { DiskModel, ModelError } from './model.js'

/** One generated step of a case. Paths come from a small fixed universe so they collide often. */
export type Step =
  | { readonly t: 'create'; readonly path: string; readonly exclusive: boolean }
  | { readonly t: 'mkdir' | 'rmdir' | 'unlink' | 'fsync'; readonly path: string }
  | { readonly t: 'rename'; readonly from: string; readonly to: string }
  | { readonly t: 'write'; readonly path: string; readonly offset: number; readonly length: number; readonly fill: number }
  | { readonly t: 'truncate'; readonly path: string; readonly size: number }
  | { readonly t: 'read'; readonly path: string; readonly offset: number; readonly length: number }
  | { readonly t: 'crash' }

export interface Case {
  readonly seed: string
  readonly sector_size: number
  readonly faults: DiskFaultOptions
  readonly steps: readonly Step[]
}

const FILES = ['/a', '/b', '/d/x', '/d/y', '/e/z', '/d/f/w']
const DIRS = ['/d', '/e', '/d/f']
const SECTOR_SIZES = [1, 3, 8, 16, 512]
export const MAX_STEPS = 40

/** Builds a case from the `oracle` stream of `seed`: sector size, an active fault set, steps. */
export function generateCase(seed: string): Case {
  const random = new Random(parseSeed(seed), 'oracle')
  const sector_size = random.pick(SECTOR_SIZES)
  const faults: Record<string, BuggifyRate> = {}
  for (const name of DISK_FAULT_NAMES) {
    // Crash classes half the time, operation faults a quarter: crashes are what the check is for.
    if (random.intLessThan(name.startsWith('crash_') ? 2 : 4) !== 0) continue
    faults[name] = random.pick([BuggifyRate.always(), BuggifyRate.percent(50), BuggifyRate.percent(15)])
  }
  const steps: Step[] = []
  const count = random.intBetween(4, MAX_STEPS)
  // Top-level files half the time: they need no directory first, so more writes find their file.
  const filePath = (): string => (random.intLessThan(2) === 0 ? random.pick(['/a', '/b']) : random.pick(FILES))
  const anyPath = (): string => (random.intLessThan(4) === 0 ? random.pick(DIRS) : filePath())
  for (let i = 0; i < count; i++) {
    const roll = random.intLessThan(100)
    if (roll < 32) steps.push({ t: 'write', path: filePath(), offset: random.intBetween(0, 40), length: random.intBetween(0, 30), fill: random.intLessThan(256) })
    else if (roll < 46) steps.push({ t: 'create', path: filePath(), exclusive: random.intLessThan(4) === 0 })
    else if (roll < 58) steps.push({ t: 'fsync', path: random.intLessThan(5) === 0 ? '/' : anyPath() })
    else if (roll < 63) steps.push({ t: 'read', path: filePath(), offset: random.intBetween(0, 40), length: random.intBetween(0, 40) })
    else if (roll < 67) steps.push({ t: 'truncate', path: filePath(), size: random.intBetween(0, 50) })
    else if (roll < 75) steps.push({ t: 'mkdir', path: random.pick(DIRS) })
    else if (roll < 82) steps.push({ t: 'rename', from: anyPath(), to: anyPath() })
    else if (roll < 87) steps.push({ t: 'unlink', path: filePath() })
    else if (roll < 90) steps.push({ t: 'rmdir', path: random.pick(DIRS) })
    else steps.push({ t: 'crash' })
  }
  steps.push({ t: 'crash' })
  return { seed, sector_size, faults, steps }
}

export interface CaseResult {
  readonly trace: Uint8Array
  /** null when every step and crash matched the model. */
  readonly failure: string | null
}

/**
 * Runs a case on a fresh SimDisk. With `check`, every result is compared with the model and
 * every crash with the allowed outcomes; without, the same disk calls happen unchecked (the
 * replay run whose trace must be byte-identical).
 */
export function runCase(c: Case, check: boolean): CaseResult {
  const world = new World({ seed: c.seed, name: 'disk-oracle' })
  const disk = new SimDisk(world, { sector_size_bytes: c.sector_size, faults: c.faults })
  const control = createDiskControl(disk)
  const faults = validateDiskFaults(c.faults)
  const model = check ? new DiskModel(c.sector_size) : null
  let failure: string | null = null
  for (let i = 0; i < c.steps.length && failure === null; i++) {
    const step = c.steps[i] as Step
    const problem = runStep(step, disk, control, world, faults, model)
    if (problem !== null) failure = `step ${i} ${JSON.stringify(step)}: ${problem}`
  }
  return { trace: world.trace.bytes(), failure }
}

function codeOf(error: unknown): string {
  if (error instanceof DiskError || error instanceof ModelError) return error.code
  throw error
}

/** Runs `actual` and `expected`; null when both succeed with equal results or fail with the same code. */
function same<T>(actual: () => T, expected: (() => T) | null, equal: (a: T, b: T) => boolean = (a, b) => a === b): { value: T | null; problem: string | null } {
  let value: T | null = null
  let code: string | null = null
  try {
    value = actual()
  } catch (error) {
    code = codeOf(error)
  }
  if (expected === null) return { value, problem: null }
  let want: T | null = null
  let want_code: string | null = null
  try {
    want = expected()
  } catch (error) {
    want_code = codeOf(error)
  }
  if (code !== want_code) return { value, problem: `disk gave ${code ?? 'success'}, the model ${want_code ?? 'success'}` }
  if (code === null && !equal(value as T, want as T)) return { value, problem: `disk returned ${JSON.stringify(value)}, the model ${JSON.stringify(want)}` }
  return { value, problem: null }
}

function runStep(step: Step, disk: SimDisk, control: DiskControl, world: World, faults: DiskFaults, model: DiskModel | null): string | null {
  switch (step.t) {
    case 'create':
      return same(() => disk.createFile(step.path, 0o644, step.exclusive), model && (() => {
        const { id, created } = model.create(step.path, step.exclusive)
        return { ino: id, created }
      }), (a, b) => a.ino === b.ino && a.created === b.created).problem
    case 'mkdir':
      return same(() => disk.mkdir(step.path, 0o755), model && (() => model.mkdir(step.path))).problem
    case 'rmdir':
      return same(() => disk.rmdir(step.path), model && (() => model.rmdir(step.path))).problem
    case 'unlink':
      return same(() => disk.unlink(step.path), model && (() => model.unlink(step.path))).problem
    case 'rename':
      return same(() => disk.rename(step.from, step.to), model && (() => model.rename(step.from, step.to))).problem
    case 'fsync': {
      const found = same(() => disk.lookup(step.path).ino, model && (() => model.entry(step.path).id))
      if (found.problem !== null || found.value === null) return found.problem
      disk.fsync(found.value)
      if (model !== null) {
        const entry = model.entry(step.path)
        if (entry.kind === 'file') model.fsyncFile(model.files.get(entry.id)!)
        else model.fsyncDir(entry.id)
      }
      return null
    }
    case 'write':
    case 'truncate':
    case 'read':
      return dataStep(step, disk, world, faults, model)
    case 'crash': {
      const trace_start = world.trace.size_bytes
      control.crash()
      let eio = false
      try {
        disk.lookup('/')
      } catch (error) {
        eio = error instanceof DiskError && error.code === 'EIO'
      }
      if (!eio) return 'an operation on the crashed disk did not fail with EIO'
      const problem = model === null ? null : checkCrash(model, control, faults, world.trace.text().slice(trace_start))
      control.restart()
      return problem
    }
  }
}

function dataStep(step: Extract<Step, { t: 'write' | 'truncate' | 'read' }>, disk: SimDisk, world: World, faults: DiskFaults, model: DiskModel | null): string | null {
  const found = same(() => {
    const stat = disk.lookup(step.path)
    if (stat.kind !== 'file') throw new DiskError('EISDIR', 'open', step.path)
    return stat.ino
  }, model && (() => model.file(step.path).id))
  if (found.problem !== null || found.value === null) return found.problem
  const ino = found.value
  const file = model?.file(step.path).file ?? null
  if (step.t === 'truncate') {
    disk.truncate(ino, step.size)
    if (model !== null && file !== null) model.truncate(file, step.size)
    return null
  }
  if (step.t === 'read') {
    let bytes: Uint8Array
    try {
      bytes = disk.read(ino, step.offset, step.length)
    } catch (error) {
      if (codeOf(error) === 'EIO' && faults.read_error_rate.kind !== 'never') return null
      return `read failed with ${codeOf(error)}`
    }
    if (file === null) return null
    const want = file.volatile.subarray(Math.min(step.offset, file.volatile.length), Math.min(step.offset + step.length, file.volatile.length))
    if (bytes.length !== want.length) return `read ${bytes.length} bytes, the model has ${want.length}`
    let differing = 0
    for (let i = 0; i < want.length; i++) if (bytes[i] !== want[i]) differing++
    if (differing === 0 || (differing === 1 && faults.corrupt_read_rate.kind !== 'never')) return null
    return `read returned ${differing} differing bytes`
  }
  const bytes = new Uint8Array(step.length)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (step.fill + i * 7) & 0xff
  let written: number
  try {
    written = disk.write(ino, step.offset, bytes)
  } catch (error) {
    if (codeOf(error) === 'EIO' && faults.write_error_rate.kind !== 'never') return null
    return `write failed with ${codeOf(error)}`
  }
  if (file === null || model === null) return null
  if (written < bytes.length && (faults.short_write_rate.kind === 'never' || written < 1)) return `short write of ${written}/${bytes.length}`
  let at = step.offset
  if (faults.misdirected_write_rate.kind !== 'never') {
    const text = world.trace.text()
    const line = text.slice(text.lastIndexOf('\n', text.length - 2) + 1)
    const match = / misdirected_to=(\d+)/.exec(line)
    if (match !== null) at = Number(match[1])
  }
  model.write(file, at, bytes.subarray(0, written))
  return null
}
