import { createRequire } from 'node:module'
import type { Simulation } from '../../sim/simulation.js'
import { slot } from '../active.js'
import { FileHandle, type StreamClass } from './file_handle.js'
import { streamFs, trackStream } from './stream_fs.js'

/**
 * fs.ReadStream and fs.WriteStream over the simulated disk: Node's own stream
 * classes, given the simulated `open`/`read`/`write`/`writev`/`close`/`fsync`
 * through their documented `fs` option. Events, backpressure, `start`/`end`,
 * `highWaterMark`, `autoClose` and error handling are Node's; only the I/O is
 * simulated, and each of its steps completes after the disk's latency.
 *
 * Each stream is bound to the simulation it was created in, so a stream that
 * outlives its simulation never reaches the real disk with a simulated fd.
 */

const require = createRequire(import.meta.url)
type NodeFs = typeof import('node:fs')
const real = require('node:fs') as NodeFs

type Options = Record<string, unknown>

/** The options with the simulated `fs` (unless the caller brought its own), and a FileHandle `fd` as a descriptor. */
export function withSimulatedFs(sim: Simulation, options: unknown): unknown {
  if (typeof options === 'string') return { encoding: options, fs: streamFs(sim) }
  if (options === null || options === undefined) return { fs: streamFs(sim) }
  if (typeof options !== 'object') return options // Node rejects it with its own error.
  const given = options as Options
  if (given.fs !== undefined) return options
  const fs = streamFs(sim)
  if (given.fd instanceof FileHandle) {
    const handle = given.fd
    // Closing the stream closes the FileHandle, as Node's streams do with a FileHandle `fd`.
    fs.close = (_fd: number, callback: (error: unknown) => void) => {
      handle.close().then(() => callback(null), callback)
    }
    return { ...given, fd: handle.fd, fs }
  }
  return { ...given, fs }
}

/**
 * `fs.ReadStream` / `fs.WriteStream` for transformed code: the real class
 * (same prototype, `instanceof` works, subclasses work) whose construction
 * inside a simulation gets the simulated `fs`.
 */
export function simulatedStreamClass<C extends Function>(Real: C): C {
  const proxy: C = new Proxy(Real, {
    construct(target, args, new_target) {
      const sim = slot.simulation
      if (sim === null) return Reflect.construct(target, args, new_target === proxy ? target : new_target) as object
      const forwarded = [args[0], withSimulatedFs(sim, args[1]), ...args.slice(2)]
      return trackStream(sim, Reflect.construct(target, forwarded, new_target === proxy ? target : new_target) as import('node:stream').Stream)
    },
    apply(target, this_arg, args) {
      const sim = slot.simulation
      if (sim === null) return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, this_arg, args)
      const forwarded = [args[0], withSimulatedFs(sim, args[1]), ...args.slice(2)]
      return trackStream(sim, Reflect.apply(target as unknown as (...a: unknown[]) => unknown, this_arg, forwarded) as import('node:stream').Stream)
    },
  })
  return proxy
}

export function createReadStream(sim: Simulation, args: unknown[]): unknown {
  return trackStream(sim, new (real.ReadStream as unknown as StreamClass<import('node:fs').ReadStream>)(args[0], withSimulatedFs(sim, args[1])))
}

export function createWriteStream(sim: Simulation, args: unknown[]): unknown {
  return trackStream(sim, new (real.WriteStream as unknown as StreamClass<import('node:fs').WriteStream>)(args[0], withSimulatedFs(sim, args[1])))
}
