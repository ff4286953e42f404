import type { DiskControl } from '../control.js'
import type { DiskFaults } from '../faults.js'
import type { DiskModel, ModelEntry, ModelFile } from './model.js'

/**
 * The crash-consistency check: is what a crash left durable one of the states the
 * documented semantics allow, given the model's volatile and durable state before it?
 * On success the model adopts the disk's state (the crash's choice) and returns null;
 * otherwise it returns what is wrong.
 */
export function checkCrash(model: DiskModel, control: DiskControl, faults: DiskFaults, crash_trace: string): string | null {
  // The trace names the prefix the crash kept (its `landed` entries); the tree must be the model's
  // namespace after exactly that prefix. Names alone could not tell apart two prefixes with the
  // same paths (create /a, unlink /a, create /a) whose inodes differ.
  const last = model.snapshots.length - 1
  const entries = [...crash_trace.matchAll(/ disk\.crash_dir_entry .* result=(\w+)/g)].map((match) => match[1])
  if (entries.length !== last - model.committed) {
    return `the crash lists ${entries.length} pending directory-entry changes, the model has ${last - model.committed}`
  }
  const landed = entries.filter((result) => result === 'landed').length
  if (entries.slice(0, landed).some((result) => result !== 'landed')) return `the landed directory-entry changes are not a prefix: ${entries.join(',')}`
  if (landed < entries.length && faults.crash_lost_dir_entry_rate.kind === 'never') {
    return 'directory-entry changes rolled back but crash_lost_dir_entry_rate is never'
  }
  const k = model.committed + landed
  const snapshot = model.snapshots[k] as Map<string, ModelEntry>
  const tree = control.durableTree()
  const paths = [...snapshot.keys()].filter((path) => path !== '/').sort()
  if (paths.join('\n') !== tree.join('\n')) {
    return `durable tree [${tree.join(' ')}] is not the namespace after ${k} directory-entry changes: [${paths.join(' ')}]`
  }
  const contents = new Map<number, Uint8Array>()
  const problem = checkFiles(model, control, faults, snapshot, contents)
  if (problem !== null) return problem
  adopt(model, snapshot, contents)
  return null
}

type Evidence = 'landed' | 'lost' | 'same' | 'torn'

function checkFiles(
  model: DiskModel,
  control: DiskControl,
  faults: DiskFaults,
  snapshot: Map<string, ModelEntry>,
  contents: Map<number, Uint8Array>,
): string | null {
  const evidence = new Map<number, [number, Evidence][]>()
  for (const [path, entry] of snapshot) {
    if (entry.kind !== 'file') {
      if (path !== '/' && control.durableFile(path) !== null) return `${path} should be a directory`
      continue
    }
    const content = control.durableFile(path)
    if (content === null) return `${path} should be a file`
    const file = model.files.get(entry.id) as ModelFile
    const problem = checkFile(path, file, content, model.sector_size, evidence)
    if (problem !== null) return problem
    contents.set(entry.id, content)
  }
  return checkOutcomes(model, faults, evidence)
}

function checkFile(path: string, file: ModelFile, content: Uint8Array, ss: number, evidence: Map<number, [number, Evidence][]>): string | null {
  const latest = file.volatile
  const durable = file.durable
  if (content.length < durable.length) return `${path}: size ${content.length} is below its durable size ${durable.length} (synced data lost)`
  if (content.length > latest.length) return `${path}: size ${content.length} exceeds its size before the crash ${latest.length}`
  for (let index = 0; index * ss < content.length; index++) {
    const lo = index * ss
    const hi = Math.min(content.length, lo + ss)
    let same_latest = true
    let same_durable = true
    let first_not_latest = -1
    for (let i = lo; i < hi; i++) {
      const c = content[i] as number
      if (c !== (latest[i] ?? 0)) {
        same_latest = false
        if (first_not_latest < 0) first_not_latest = i
      }
      if (c !== (durable[i] ?? 0)) same_durable = false
    }
    const owner = file.owner.get(index)
    if (owner === undefined) {
      if (!same_durable) return `${path}: sector ${index} was not written since its last fsync but changed (synced data lost or damaged)`
      continue
    }
    let state: Evidence
    if (same_latest && same_durable) state = 'same'
    else if (same_latest) state = 'landed'
    else if (same_durable) state = 'lost'
    else {
      for (let i = first_not_latest; i < hi; i++) {
        if (content[i] !== (durable[i] ?? 0)) return `${path}: sector ${index} is neither durable, latest, nor latest up to a cut then durable (byte ${i})`
      }
      state = 'torn'
    }
    // A sector that lands whole keeps its bytes up to the size before the crash; one cut
    // short by the size landed only up to a cut: torn.
    if (state === 'landed' && content.length < Math.min(latest.length, lo + ss)) state = 'torn'
    let list = evidence.get(owner)
    if (list === undefined) evidence.set(owner, (list = []))
    list.push([index, state])
  }
  return null
}

function checkOutcomes(model: DiskModel, faults: DiskFaults, evidence: Map<number, [number, Evidence][]>): string | null {
  const lost_on = faults.crash_lost_write_rate.kind !== 'never'
  const torn_on = faults.crash_torn_write_rate.kind !== 'never'
  const reorder_on = faults.crash_reorder_write_rate.kind !== 'never'
  let first_cut = Infinity
  for (const [seq, states] of evidence) {
    states.sort((a, b) => a[0] - b[0])
    const has = (state: Evidence): boolean => states.some(([, s]) => s === state)
    if (has('torn') || (has('landed') && has('lost'))) {
      if (!torn_on) return `write ${seq} tore (${describe(states)}) but crash_torn_write_rate is never`
    }
    if (has('torn') && ownedCount(model, seq) > 1) return `write ${seq} tore inside a sector although it owns several`
    let seen_lost = false
    for (const [, state] of states) {
      if (state === 'lost' || state === 'torn') seen_lost = true
      else if (state === 'landed' && seen_lost) return `write ${seq}: a later sector landed after an earlier one was lost (${describe(states)})`
    }
    if ((has('lost') || has('torn')) && !lost_on && !torn_on) return `write ${seq} was lost but no crash loss fault is on`
    if (has('lost') || has('torn')) first_cut = Math.min(first_cut, seq)
  }
  if (!reorder_on) {
    for (const [seq, states] of evidence) {
      if (seq > first_cut && states.some(([, s]) => s === 'landed' || s === 'torn')) {
        return `write ${seq} landed after write ${first_cut} was lost or torn, but crash_reorder_write_rate is never`
      }
    }
  }
  return null
}

function ownedCount(model: DiskModel, seq: number): number {
  let count = 0
  for (const file of model.files.values()) for (const owner of file.owner.values()) if (owner === seq) count++
  return count
}

function describe(states: [number, Evidence][]): string {
  return states.map(([index, state]) => `${index}:${state}`).join(',')
}

function adopt(model: DiskModel, snapshot: Map<string, ModelEntry>, contents: Map<number, Uint8Array>): void {
  model.namespace = new Map(snapshot)
  model.snapshots = [new Map(snapshot)]
  model.committed = 0
  model.last_touch.clear()
  for (const id of [...model.files.keys()]) {
    const content = contents.get(id)
    if (content === undefined) {
      model.files.delete(id)
      continue
    }
    model.files.set(id, { volatile: content.slice(), durable: content.slice(), owner: new Map() })
  }
}
