/**
 * A targeted probe beside the crash sweep (docs/real-storage.md, "A failed write is not undone"):
 * nedb 1.8.0 applies a command to its in-memory indexes before it appends the command's line, and
 * does not undo it when the append fails. The probe makes exactly one append fail with EIO
 * (`write_error_rate` always, for that command only) and shows what follows: the command's
 * callback gets the error, reads still see its effect, the next compaction writes it to disk, and
 * after a crash and a reload with a fresh Datastore it is there.
 *
 *   npm run build && node dist/plugin/real_packages/nedb_crash/failed_write.js   # trace and verdict
 */
import { run, type RunReport } from '../../../src/run/index.js'
import type { Simulation } from '../../../src/sim/simulation.js'
import { BuggifyRate } from '../../../src/world/index.js'
import { DATAFILE, type DatastoreClass, type NedbDatastore } from './scenario.js'
import { loadNedb } from './sweep.js'
import { invokedDirectly } from '../sweep_cli.js'

export type FailedCommand = 'insert' | 'update' | 'remove'

export interface FailedWriteResult {
  readonly command: FailedCommand
  /** The error the failed command's callback received (its code). */
  readonly error: string | null
  /** `seq: 1`'s document as a read right after the failure saw it (null: absent). */
  readonly read_after_failure: Record<string, unknown> | null
  /** The same document as a fresh Datastore loaded it after compaction, crash and restart. */
  readonly loaded_after_crash: Record<string, unknown> | null
}

type Callback<T> = (error: Error | null, value?: T) => void

function call<T>(start: (callback: Callback<T>) => void): Promise<{ error: Error | null; value: T | undefined }> {
  return new Promise((resolve) => start((error, value) => resolve({ error, value })))
}

function findOne(db: NedbDatastore, seq: number): Promise<Record<string, unknown> | null> {
  const finder = db as unknown as { find(query: object, callback: Callback<Record<string, unknown>[]>): void }
  return call<Record<string, unknown>[]>((callback) => finder.find({ seq }, callback)).then(({ error, value }) => {
    if (error !== null) throw error
    const doc = value?.[0]
    if (doc === undefined) return null
    const { _id: _ignored, ...rest } = doc
    return rest
  })
}

function loaded(db: NedbDatastore): Promise<void> {
  return call<void>((callback) => db.loadDatabase(callback)).then(({ error }) => {
    if (error !== null) throw error
  })
}

/** The probe for one command kind: returns the scenario and where its result goes. */
export function failedWriteScenario(Datastore: DatastoreClass, command: FailedCommand, report: (result: FailedWriteResult) => void): (sim: Simulation) => Promise<void> {
  return async (sim) => {
    const world = sim.world
    const db = new Datastore({ filename: DATAFILE })
    await loaded(db)
    // seq 1 exists before the failed command, except for the insert, which creates it.
    const setup = command === 'insert' ? [{ seq: 0, v: 0, body: 'kept' }] : [{ seq: 0, v: 0, body: 'kept' }, { seq: 1, v: 0, body: 'before' }]
    const inserted = await call((callback) => db.insert(setup, callback))
    if (inserted.error !== null) throw inserted.error

    world.record('nedb.probe', { command, write_error_rate: 'always' })
    sim.control.disk.setFaults({ write_error_rate: BuggifyRate.always() })
    const failed = await call<unknown>((callback) => {
      if (command === 'insert') db.insert({ seq: 1, v: 0, body: 'failed' }, callback)
      else if (command === 'update') db.update({ seq: 1 }, { $set: { v: 1, body: 'failed' } }, {}, callback)
      else db.remove({ seq: 1 }, {}, callback)
    })
    sim.control.disk.setFaults({})
    const error = failed.error === null ? null : ((failed.error as { code?: string }).code ?? failed.error.message)
    world.recordFields('nedb.probe_ack', { command, error: error ?? 'none' })
    const read_after_failure = await findOne(db, 1)

    const compacted = new Promise<void>((resolve) => db.once('compaction.done', () => resolve()))
    db.persistence.compactDatafile()
    await compacted
    world.record('nedb.compaction_done', { count: 1 })
    sim.control.disk.crash()
    sim.control.disk.restart()
    const fresh = new Datastore({ filename: DATAFILE })
    await loaded(fresh)
    const loaded_after_crash = await findOne(fresh, 1)
    world.recordFields('nedb.probe_result', {
      read_after_failure: JSON.stringify(read_after_failure),
      loaded_after_crash: JSON.stringify(loaded_after_crash),
    })
    // What a caller told "failed" can expect: the command had no effect.
    const before = command === 'insert' ? null : { seq: 1, v: 0, body: 'before' }
    sim.check('nedb.failed_command_has_no_effect', () =>
      JSON.stringify(loaded_after_crash) === JSON.stringify(before) ? true : `loaded ${JSON.stringify(loaded_after_crash)}, expected ${JSON.stringify(before)}`,
    )
    report({ command, error, read_after_failure, loaded_after_crash })
  }
}

export async function runFailedWrite(Datastore: DatastoreClass, command: FailedCommand): Promise<{ report: RunReport; result: FailedWriteResult | null }> {
  let result: FailedWriteResult | null = null
  const report = await run(
    failedWriteScenario(Datastore, command, (r) => {
      result ??= r
    }),
    { seed: 1, name: `nedb_failed_${command}` },
  )
  return { report, result }
}

if (invokedDirectly(import.meta.url)) {
  const Datastore = loadNedb()
  for (const command of ['insert', 'update', 'remove'] as const) {
    const { report, result } = await runFailedWrite(Datastore, command)
    const trace = new TextDecoder().decode(report.trace).split('\n')
    console.log(`## ${command}`)
    console.log(trace.filter((line) => / (nedb\.[a-z_]+|disk\.(write|fault|faults|rename|crash|restart)|check) /.test(line)).join('\n'))
    console.log(JSON.stringify({ outcome: report.outcome, replay: report.replay, ...result }))
  }
}
