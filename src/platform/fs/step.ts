import { DiskError, type DiskOperationKind } from '../../disk/index.js'
import type { Simulation } from '../../sim/simulation.js'
import { Task } from '../../scheduler/task.js'
import { systemError } from './node_error.js'

/**
 * The one core every fs operation is written in, and its drivers.
 *
 * An operation is a generator that yields its disk steps (open, each read,
 * close, ...). The synchronous driver runs each step at once (`readFileSync`);
 * the asynchronous driver runs each one when the disk completes it, one
 * latency later on the simulated loop (`readFile`, `fs.promises.readFile`,
 * FileHandle methods, streams). So an operation exists once, and its
 * callback, sync and promise forms differ only in how they are driven and
 * delivered. A multi-step operation interleaves with others between steps, as
 * it does on a real disk (a `readFile` can see a concurrent `writeFile`'s
 * truncated file). The common one-step calls of the promise forms skip the
 * generators: `stepPromise` runs the same step body (`writeNow`, ...) that the
 * op's `io` step wraps, with the same latency draw, label and errors.
 */

export interface Step {
  readonly kind: DiskOperationKind
  /** Does the step's work on the disk; throws a Node-shaped error on failure. */
  run(): unknown
}

export type Op<R> = Generator<Step, R, unknown>

/** Steps one operation may take before the driver calls it runaway (a loop in the fs layer itself). */
const MAX_STEPS_PER_OPERATION = 1 << 24

/**
 * One disk step: runs `work` when the step completes; a DiskError becomes
 * Node's system error for `syscall` on `path` (and `dest`).
 */
export function* io<T>(kind: DiskOperationKind, syscall: string, path: string | undefined, work: () => T, dest?: string): Generator<Step, T, unknown> {
  return (yield {
    kind,
    run: () => {
      try {
        return work()
      } catch (error) {
        throw translate(error, syscall, path, dest)
      }
    },
  }) as T
}

/** A DiskError as the Node error the syscall would have raised; anything else unchanged. */
export function translate(error: unknown, syscall: string, path: string | undefined, dest?: string): unknown {
  if (!(error instanceof DiskError)) return error
  return systemError(error.code, syscall, path, dest)
}

/** Runs `op` to completion now: the sync forms. */
export function runSync<R>(op: Op<R>): R {
  let input: unknown = undefined
  let failure: { error: unknown } | null = null
  for (let steps = 0; steps < MAX_STEPS_PER_OPERATION; steps++) {
    const next = failure === null ? op.next(input) : op.throw(failure.error)
    if (next.done === true) return next.value
    failure = null
    try {
      input = next.value.run()
    } catch (error) {
      failure = { error }
    }
  }
  throw new Error(`fs: an operation took more than ${MAX_STEPS_PER_OPERATION} disk steps`)
}

export type Done<R> = (error: unknown, value?: R) => void

/**
 * Runs `op` on the simulated loop: each step completes `disk.latencyNs(kind)`
 * after it is issued. `done` runs inside the last completion (as a libuv
 * callback does), or one metadata latency later for an operation with no
 * disk step (a close), so it is never called synchronously.
 */
export function runAsync<R>(sim: Simulation, label: string, op: Op<R>, done: Done<R>): void {
  let steps = 0
  const advance = (input: unknown, failure: { error: unknown } | null): void => {
    let next: IteratorResult<Step, R>
    try {
      next = failure === null ? op.next(input) : op.throw(failure.error)
    } catch (error) {
      finish(error)
      return
    }
    if (next.done === true) {
      finish(null, next.value)
      return
    }
    if (++steps > MAX_STEPS_PER_OPERATION) {
      finish(new Error(`fs: an operation took more than ${MAX_STEPS_PER_OPERATION} disk steps`))
      return
    }
    const step = next.value
    sim.loop.after(sim.disk.latencyNs(step.kind), label, () => {
      let output: unknown
      try {
        output = step.run()
      } catch (error) {
        advance(undefined, { error })
        return
      }
      advance(output, null)
    })
  }
  let first = true
  const finish = (error: unknown, value?: R): void => {
    if (first && steps === 0) {
      // No disk step: complete one latency later all the same, never synchronously.
      first = false
      sim.loop.after(sim.disk.latencyNs('metadata'), label, () => done(error, value))
      return
    }
    done(error, value)
  }
  advance(undefined, null)
}

/**
 * The promise driver for an operation of exactly one disk step, given as its
 * step's body (`writeNow`, `renameNow`, ...): what `runPromise` does with
 * `io(kind, syscall, path, work, dest)`, without the generators and closures
 * of the general driver. Same latency draw, same completion, same errors; the
 * fs.promises and FileHandle forms of the common calls take this path.
 */
export function stepPromise<T>(sim: Simulation, label: string, kind: DiskOperationKind, syscall: string, path: string | undefined, work: () => T, dest?: string): Promise<T> {
  const task = new StepTask<T>(label, work, syscall, path, dest)
  const promise = task.promise()
  sim.loop.scheduleAfter(task, sim.disk.latencyNs(kind))
  return promise
}

/**
 * The promise driver for an operation with no disk step (a close): `work` runs
 * now and the promise settles one metadata latency later, as `runAsync` does
 * for an operation that yields nothing.
 */
export function deferredPromise<T>(sim: Simulation, label: string, work: () => T): Promise<T> {
  const task = new StepTask<T>(label, null, '', undefined, undefined)
  try {
    task.value = work()
  } catch (error) {
    task.failed = true
    task.error = error
  }
  const promise = task.promise()
  sim.loop.scheduleAfter(task, sim.disk.latencyNs('metadata'))
  return promise
}

/**
 * The loop task of `stepPromise` and `deferredPromise`: what `loop.after` would queue (an
 * operation with this label), holding the step and its promise's settlers itself, so a call
 * allocates one task instead of an Operation and the closures around it.
 */
class StepTask<T> extends Task {
  resolve: (value: T) => void = settleNothing
  reject: (error: unknown) => void = settleNothing
  /** deferredPromise: the result (or error) of work already done. */
  value: T | undefined = undefined
  failed = false
  error: unknown = undefined

  constructor(
    readonly label: string,
    /** The step's body, run when it completes; null when the work was done at submission. */
    readonly work: (() => T) | null,
    readonly syscall: string,
    readonly path: string | undefined,
    readonly dest: string | undefined,
  ) {
    super()
  }

  /** The promise this task settles (called once, before it is scheduled). */
  promise(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  fire(): void {
    const work = this.work
    if (work === null) {
      if (this.failed) this.reject(this.error)
      else this.resolve(this.value as T)
      return
    }
    let value: T
    try {
      value = work()
    } catch (error) {
      this.reject(translate(error, this.syscall, this.path, this.dest))
      return
    }
    this.resolve(value)
  }

  describe(): string {
    return `operation(${this.label})`
  }
}

function settleNothing(): void {
  throw new Error('StepTask: fired before its promise was created')
}

/** Runs `op` on the loop and returns its result as a promise (the fs.promises and FileHandle forms). */
export function runPromise<R>(sim: Simulation, label: string, op: Op<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    runAsync(sim, label, op, (error, value) => {
      if (error !== null) reject(error)
      else resolve(value as R)
    })
  })
}
