/**
 * One seed of the nedb crash sweep (docs/real-storage.md): inside a simulation, the real,
 * unmodified nedb 1.8.0 (its fs, timers and randomness redirected by the transform) runs a
 * workload on the simulated disk; the disk loses power at a seeded simulated time; a fresh
 * Datastore loads the same file, possibly through a second crash during that load; and the
 * loaded documents are judged against the durability nedb documents (history.ts).
 *
 * The crash kills the simulated process, not this JavaScript process, so nedb's module state
 * survives it. The harness stands in for the reboot: the old Datastore is abandoned, the disk
 * stays down until everything the old process had in flight has failed against it (nothing of
 * the dead process may touch the disk after the restart), and every load uses a new Datastore.
 * nedb keeps no data at module level, so nothing cached reaches the new one.
 */
import type { DiskFaultOptions } from '../../../src/disk/index.js'
import type { Simulation } from '../../../src/sim/simulation.js'
import { BuggifyRate, formatRate, type Random } from '../../../src/world/index.js'
import { acknowledgedLost, checkContract, History, readLoaded, snapshotOfLoaded, type DocState, type OpRecord, type Snapshot, type Violation } from './history.js'

/** The part of nedb's Datastore the sweep uses (nedb ships no types). */
export interface NedbDatastore {
  loadDatabase(callback: (error: Error | null) => void): void
  insert(docs: object | object[], callback: (error: Error | null) => void): void
  update(query: object, update: object, options: object, callback: (error: Error | null, count?: number) => void): void
  remove(query: object, options: object, callback: (error: Error | null, count?: number) => void): void
  getAllData(): Record<string, unknown>[]
  once(event: 'compaction.done', listener: () => void): unknown
  readonly persistence: { compactDatafile(): void }
}

export type DatastoreClass = new (options: { filename: string; corruptAlertThreshold?: number }) => NedbDatastore

/** The datafile, in a directory nedb creates itself (mkdirp) on the first load. */
export const DATAFILE = '/data/app/nedb.db'

/** Seeded choices of one seed, drawn from the `nedb.profile` stream. */
export interface Profile {
  readonly faults: DiskFaultOptions
  /** When the disk loses power, in ns of simulated time after the workload starts. */
  readonly crash_at_ns: number
  /** When a second crash hits the first reload, in ns after the restart, or null for none. */
  readonly second_crash_at_ns: number | null
}

export type Outcome =
  /** Loaded, and the contract held. */
  | 'held'
  /** nedb refused to load: "More than 10% of the data file is corrupt" (corruptAlertThreshold, README.md line 55). */
  | 'refused_corrupt'
  /** The load failed otherwise. */
  | 'load_failed'
  /** Loaded, but the contract was broken. */
  | 'violated'

export interface SeedResult {
  readonly outcome: Outcome
  readonly profile: Profile
  /** The workload phase the (first) crash hit. */
  readonly crash_phase: string
  /** The first reload finished before the second crash (only with a second crash). */
  readonly reload_finished: boolean | null
  readonly load_error: string | null
  /**
   * After a refusal: a Datastore with `corruptAlertThreshold: 1` loaded the same file and the
   * contract held (true), or not (false); null when there was no refusal.
   */
  readonly rescued: boolean | null
  readonly violations: readonly Violation[]
  /** Compactions that completed ('compaction.done') before the crash. */
  readonly compactions_done: number
  /** Documents in the snapshot the contract was judged against. */
  readonly snapshot_docs: number
  /** Documents whose acknowledged state after that snapshot was lost (documented, counted). */
  readonly acknowledged_lost: number
  readonly ops: number
}

/** The crash window: a little longer than the longest workload, so some crashes hit an idle database. */
export const CRASH_WINDOW_NS = 160_000_000
const SECOND_CRASH_WINDOW_NS = 40_000_000
/** Ticks the harness waits, with the disk down, for the dead process's work to fail. */
const MAX_DRAIN_TICKS = 10_000
const FAULT_RATES: readonly (() => BuggifyRate)[] = [() => BuggifyRate.always(), () => BuggifyRate.percent(50), () => BuggifyRate.percent(15)]
const CRASH_FAULTS = ['crash_lost_write_rate', 'crash_torn_write_rate', 'crash_reorder_write_rate', 'crash_lost_dir_entry_rate'] as const

/** Each crash fault class is on for half the seeds, at always, 50% or 15%. */
export function drawProfile(random: Random): Profile {
  const faults: Record<string, BuggifyRate> = {}
  for (const name of CRASH_FAULTS) {
    if (random.intLessThan(2) === 0) faults[name] = FAULT_RATES[random.intLessThan(FAULT_RATES.length)]!()
  }
  const crash_at_ns = random.intBetween(1, CRASH_WINDOW_NS)
  const second_crash_at_ns = random.intLessThan(2) === 0 ? null : random.intBetween(1, SECOND_CRASH_WINDOW_NS)
  return { faults, crash_at_ns, second_crash_at_ns }
}

const BODY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 "\n'

function body(random: Random): string {
  // Up to 300 bytes: with 64-byte sectors a line spans several, with 4096 a batch can.
  const length = random.intLessThan(4) === 0 ? random.intBetween(100, 300) : random.intLessThan(60)
  let text = ''
  for (let i = 0; i < length; i++) text += BODY_ALPHABET[random.intLessThan(BODY_ALPHABET.length)]
  return text
}

class Workload {
  readonly history = new History()
  phase = 'start'
  crashed = false
  compactions_done = 0
  /** The last completed compaction's snapshot (the first load's compaction counts: empty). */
  safe: Snapshot | null = null
  readonly #settled: Promise<void>[] = []
  readonly #crash: Promise<void>

  constructor(
    readonly sim: Simulation,
    readonly db: NedbDatastore,
    readonly random: Random,
    crash_at_ns: number,
  ) {
    this.#crash = new Promise((resolve) => {
      sim.loop.after(crash_at_ns, 'nedb.crash', () => {
        this.crashed = true
        sim.world.record('nedb.crash', { phase: this.phase })
        sim.control.disk.crash()
        resolve()
      })
    })
  }

  /** Resolves once the crash has happened and everything the old process had in flight has failed. */
  async crashAndDrain(): Promise<void> {
    await this.#crash
    await Promise.all(this.#settled)
    await drain(this.sim)
  }

  #enter(phase: string): void {
    this.phase = phase
    this.sim.world.record('nedb.phase', { phase })
  }

  #issue(op: OpRecord, start: (callback: (error: Error | null) => void) => void): Promise<void> {
    const world = this.sim.world
    world.record('nedb.issue', { op: op.index, kind: op.kind, seqs: op.seqs.join(',') })
    const done = new Promise<void>((resolve) => {
      start((error) => {
        op.status = error === null ? 'ok' : 'error'
        world.recordFields('nedb.ack', { op: op.index, status: op.status, ...(error === null ? {} : { error: (error as { code?: string }).code ?? error.message }) })
        resolve()
      })
    })
    this.#settled.push(done)
    return done
  }

  /** One random command: an insert (sometimes of several documents in one append), an update or a remove. */
  #command(): Promise<void> {
    const random = this.random
    const live = this.history.liveSeqs()
    const roll = random.intLessThan(100)
    if (live.length === 0 || roll < 55) {
      const count = random.intLessThan(4) === 0 ? random.intBetween(2, 6) : 1
      const { op, docs } = this.history.insert(Array.from({ length: count }, () => body(random)))
      return this.#issue(op, (callback) => this.db.insert(docs.length === 1 ? docs[0]! : docs, callback))
    }
    const seq = live[random.intLessThan(live.length)]!
    if (roll < 85) {
      const text = body(random)
      const { op, v } = this.history.update(seq, text)
      return this.#issue(op, (callback) => this.db.update({ seq }, { $set: { v, body: text } }, {}, (error) => callback(error)))
    }
    const op = this.history.remove(seq)
    return this.#issue(op, (callback) => this.db.remove({ seq }, {}, (error) => callback(error)))
  }

  /** `count` commands; each awaited or, half the time, left queued behind the others. */
  async #commands(count: number): Promise<void> {
    const queued: Promise<void>[] = []
    for (let i = 0; i < count && !this.crashed; i++) {
      const done = this.#command()
      if (this.random.intLessThan(2) === 0) await done
      else queued.push(done)
    }
    await Promise.all(queued)
  }

  /** Queues a compaction; resolves when nedb says 'compaction.done' (the state is then safe) or at the crash. */
  #compact(): Promise<void> {
    const snapshot = this.history.snapshot(`compaction ${this.compactions_done + 1}, after op ${this.history.ops.length}`)
    const done = new Promise<void>((resolve) => {
      this.db.once('compaction.done', () => {
        this.compactions_done++
        this.safe = snapshot
        this.sim.world.record('nedb.compaction_done', { count: this.compactions_done, after_ops: snapshot.op_count })
        resolve()
      })
    })
    this.sim.world.record('nedb.compact', { after_ops: snapshot.op_count })
    this.db.persistence.compactDatafile()
    return Promise.race([done, this.#crash])
  }

  async run(): Promise<void> {
    this.#enter('load')
    const loaded = await load(this.db)
    if (loaded !== 'ok' || this.crashed) return
    // The first load compacts an empty database: that empty state is safe from here on.
    this.safe = this.history.snapshot('first load')
    const random = this.random
    const steps: [string, () => Promise<void>][] = [
      ['fill', () => this.#commands(random.intBetween(1, 12))],
      ['compact1', () => this.#compact()],
      ['more', () => this.#commands(random.intLessThan(12))],
      // A compaction with commands queued around it: before it, and behind it in the executor.
      ['compact2', async () => {
        const before = this.#commands(random.intLessThan(4))
        const compaction = this.#compact()
        await Promise.all([before, compaction, this.#commands(random.intLessThan(6))])
      }],
      ['tail', () => this.#commands(random.intLessThan(8))],
    ]
    for (const [phase, step] of steps) {
      if (this.crashed) return
      this.#enter(phase)
      await step()
    }
    if (!this.crashed) this.#enter('idle')
  }
}

/**
 * Loads `db`: 'ok' or nedb's error. nedb calls back on every path, a crash included (each fs
 * call then fails with EIO), so this always settles.
 */
function load(db: NedbDatastore): Promise<'ok' | Error> {
  return new Promise((resolve) => db.loadDatabase((error) => resolve(error ?? 'ok')))
}

/** Ticks until the loop holds nothing but the harness's own tick (the dead process's work is done). */
async function drain(sim: Simulation): Promise<void> {
  for (let ticks = 0; sim.loop.pending_count > 0; ticks++) {
    if (ticks >= MAX_DRAIN_TICKS) throw new Error(`nedb crash harness: the crashed process still had work after ${MAX_DRAIN_TICKS} ticks`)
    await sim.control.tick()
  }
}

function loadedStates(db: NedbDatastore): { states: Map<number, DocState>; violations: Violation[] } {
  return readLoaded(db.getAllData())
}

/**
 * The scenario of one seed. `Datastore` is nedb's class, loaded through the transform so that its
 * fs, timers and randomness are the simulated ones; `report` receives the seed's result.
 */
export function nedbCrashScenario(Datastore: DatastoreClass, report: (result: SeedResult) => void): (sim: Simulation) => Promise<void> {
  return async (sim) => {
    const world = sim.world
    const profile = drawProfile(world.random('nedb.profile'))
    world.record('nedb.profile', {
      ...Object.fromEntries(Object.entries(profile.faults).map(([name, rate]) => [name, formatRate(rate)])),
      crash_at_ns: profile.crash_at_ns,
      second_crash_at_ns: profile.second_crash_at_ns ?? 'none',
    })
    // Crash faults act only at the crash; no operation fails before it.
    sim.control.disk.setFaults(profile.faults)

    const workload = new Workload(sim, new Datastore({ filename: DATAFILE }), world.random('nedb.workload'), profile.crash_at_ns)
    await workload.run()
    await workload.crashAndDrain()
    sim.control.disk.restart()
    const crash_phase = workload.phase
    const history = workload.history
    // Before the first load completes nothing is safe: judged from an empty state, every operation later.
    let snapshot: Snapshot = workload.safe ?? { op_count: 0, state: new Map(), source: 'no compaction completed' }

    // The reboot: a new Datastore on the same file, with a second power loss during its load or not.
    let reload_finished: boolean | null = null
    if (profile.second_crash_at_ns !== null) {
      let crashed = false
      const crash = new Promise<void>((resolve) => {
        sim.loop.after(profile.second_crash_at_ns!, 'nedb.crash', () => {
          crashed = true
          world.record('nedb.crash', { phase: 'reload' })
          sim.control.disk.crash()
          resolve()
        })
      })
      const first = new Datastore({ filename: DATAFILE })
      world.record('nedb.phase', { phase: 'reload' })
      const result = await load(first)
      reload_finished = result === 'ok' && !crashed
      if (reload_finished) {
        // A completed load has compacted what it loaded: that is the safe state now.
        const { states, violations } = loadedStates(first)
        if (violations.length === 0 && checkContract(history, snapshot, states).length === 0) {
          snapshot = snapshotOfLoaded(states, history.ops.length, 'first reload')
        }
      }
      await crash
      await drain(sim)
      sim.control.disk.restart()
    }

    const db = new Datastore({ filename: DATAFILE })
    world.record('nedb.phase', { phase: 'final_load' })
    const result = await load(db)
    const base = {
      profile,
      crash_phase,
      reload_finished,
      compactions_done: workload.compactions_done,
      snapshot_docs: [...snapshot.state.values()].filter((state) => state !== null).length,
      ops: history.ops.length,
    }
    if (result !== 'ok') {
      const message = result.message
      const outcome: Outcome = /data file is corrupt/.test(message) ? 'refused_corrupt' : 'load_failed'
      sim.check('nedb.loads_after_crash', () => message)
      let rescued: boolean | null = null
      if (outcome === 'refused_corrupt') {
        // Is the compacted data still there? nedb's own way past its refusal: tolerate any corruption.
        const tolerant = new Datastore({ filename: DATAFILE, corruptAlertThreshold: 1 })
        world.record('nedb.phase', { phase: 'rescue_load' })
        const rescue = await load(tolerant)
        const read = rescue === 'ok' ? loadedStates(tolerant) : null
        rescued = read !== null && read.violations.length === 0 && checkContract(history, snapshot, read.states).length === 0
        world.record('nedb.rescue', { loaded: rescue === 'ok', contract_held: rescued })
      }
      report({ ...base, outcome, load_error: message, rescued, violations: [], acknowledged_lost: 0 })
      return
    }
    sim.check('nedb.loads_after_crash', () => true)
    const { states, violations: unreadable } = loadedStates(db)
    const violations = [...unreadable, ...checkContract(history, snapshot, states)]
    world.record('nedb.loaded', { docs: states.size, violations: violations.length })
    sim.check('nedb.compacted_state_survives', () => (violations.length === 0 ? true : violations.map((v) => `${v.kind}: ${v.detail}`).join('; ')))
    report({
      ...base,
      outcome: violations.length === 0 ? 'held' : 'violated',
      load_error: null,
      rescued: null,
      violations,
      acknowledged_lost: acknowledgedLost(history, snapshot, states),
    })
  }
}
