import type { Simulation } from '../../sim/simulation.js'
import { fsContext, type FsContext } from './context.js'
import { invalidArgType } from './node_error.js'
import { runAsync, runPromise, runSync, type Op } from './step.js'
import { validateFunction } from './validate.js'

/**
 * The three forms of an fs function, over one operation. A public function
 * parses its arguments the way Node's does (validation errors are thrown
 * synchronously by the sync and callback forms, and reject the promise form),
 * then hands `make`, the operation, to one of these.
 */

/** Builds the operation once its arguments are parsed. */
export type Make<R> = (context: FsContext) => Op<R>

/** An fs function inside a simulation: the arguments as called, and `this`. */
export type Simulated = (sim: Simulation, args: unknown[], self: unknown) => unknown

export type Callback = (error: unknown, ...results: unknown[]) => void

export function syncForm<R>(sim: Simulation, make: Make<R>): R {
  return runSync(make(fsContext(sim)))
}

/**
 * Runs the operation on the loop and calls `callback(null, ...deliver(result))`,
 * or `callback(error, ...on_error)` (Node's read and write pass `0, buffer` even then).
 */
export function callbackForm<R>(
  sim: Simulation,
  label: string,
  make: Make<R>,
  callback: Callback,
  deliver: (result: R) => unknown[] = (result) => (result === undefined ? [] : [result]),
  on_error: unknown[] = [],
): void {
  runAsync(sim, label, make(fsContext(sim)), (error, value) => {
    if (error !== null) callback(error, ...on_error)
    else callback(null, ...deliver(value as R))
  })
}

/** The fs.promises form: `parse` runs inside the promise, so a bad argument rejects, as in Node's async functions. */
export function promiseForm<R>(sim: Simulation, label: string, parse: () => Make<R>): Promise<R> {
  let make: Make<R>
  try {
    make = parse()
  } catch (error) {
    return Promise.reject(error)
  }
  return runPromise(sim, label, make(fsContext(sim)))
}

/** Node's `makeCallback`: the callback argument must be a function. */
export function requireCallback(callback: unknown): Callback {
  validateFunction(callback, 'cb')
  return callback as Callback
}

/** The trailing callback among `args` (the last function), Node's way of finding it when options are optional. */
export function lastFunction(args: readonly unknown[]): Callback {
  const callback = args[args.length - 1]
  if (typeof callback !== 'function') throw invalidArgType('cb', 'of type function', callback)
  return callback as Callback
}

/** Text in the requested encoding: 'buffer' gives a Buffer, as readdir, realpath and mkdtemp do. */
export function encodeName(name: string, encoding: unknown): string | Buffer {
  if (encoding === 'buffer') return Buffer.from(name)
  if (typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8') return Buffer.from(name).toString(encoding as BufferEncoding)
  return name
}
