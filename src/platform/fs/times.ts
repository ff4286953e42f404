import type { Simulation } from '../../sim/simulation.js'
import { invalidArgType } from './node_error.js'

/**
 * Node's `toUnixTimestamp` (utimes, futimes): seconds as a number or numeric
 * string, or a Date; a negative number means "now", which inside a simulation
 * is the simulated wall clock. Returned as wall-clock nanoseconds for SimDisk
 * (null for an invalid Date: the syscall then fails with EINVAL).
 */
export function toUnixTimestampNs(sim: Simulation, time: unknown, name = 'time'): bigint | null {
  let seconds: number
  if (typeof time === 'string' && Number(time) == (time as unknown as number)) seconds = Number(time)
  else if (typeof time === 'number' && Number.isFinite(time)) seconds = time < 0 ? sim.world.clock.wallMs() / 1000 : time
  else if (time instanceof Date) seconds = time.getTime() / 1000
  else throw invalidArgType(name, 'an instance of Date or an Time in seconds', time)
  // An invalid Date passes validation and fails at the syscall (EINVAL), as in Node.
  return Number.isFinite(seconds) ? secondsToNs(seconds) : null
}

/** Seconds (possibly fractional) to whole nanoseconds, without the precision a plain `* 1e9` loses. */
export function secondsToNs(seconds: number): bigint {
  const whole = Math.floor(seconds)
  const fraction_ns = Math.round((seconds - whole) * 1e9)
  return BigInt(whole) * 1_000_000_000n + BigInt(fraction_ns)
}
