import type { Simulation } from '../../sim/simulation.js'
import { fdFunctions } from './api_fd.js'

/**
 * The callback fs functions Node's fs.ReadStream and fs.WriteStream call
 * (their `fs` option), bound to one simulation: a stream that outlives its
 * simulation keeps using that simulation's disk, never the real one.
 */
export function streamFs(sim: Simulation): Record<string, unknown> {
  const call = (name: string) =>
    function (...args: unknown[]): unknown {
      const simulated = fdFunctions[name]
      if (simulated === undefined) throw new Error(`fs: no simulated ${name} for streams`)
      return simulated(sim, args, undefined)
    }
  return { open: call('open'), read: call('read'), write: call('write'), writev: call('writev'), close: call('close'), fsync: call('fsync') }
}

/**
 * Keeps `sim`'s loop on the macrotask settle while `stream` lives: Node's
 * streams continue through the real process.nextTick (see
 * EventLoop.holdMacrotaskSettle). Released when the stream emits 'close'.
 */
export function trackStream<S extends { once(event: 'close', listener: () => void): unknown }>(sim: Simulation, stream: S): S {
  const release = sim.loop.holdMacrotaskSettle()
  stream.once('close', release)
  return stream
}
