import { activeSimulation } from './active.js'
import { callerLocation, displayPath } from './stack.js'

/** Why a family of APIs fails closed inside a simulation, and what to do instead. */
export const REASONS = {
  disk:
    'this fs API is not simulated: the simulated disk holds regular files and directories only ' +
    '(no symbolic or hard links, watchers, ownership, cp or statfs), and the real disk would make the run unrepeatable. ' +
    'Use the simulated calls instead (open, read, write, fsync, stat, readdir, mkdir, rename, rm, copyFile, streams, fs.promises and FileHandle), ' +
    'or do this outside the simulation',
  network:
    'this simulation has no network, and the real network would make the run unrepeatable. ' +
    'Declare one in the simulation options (network: { nodes: N, hosts: { name: node } }): node:net, node:http and dns.lookup then run on the simulated network',
  network_protocol:
    'the simulated network carries TCP streams (node:net) and HTTP/1.1 (node:http) only: TLS, HTTPS, HTTP/2, UDP (dgram), IPC paths and native handles are not simulated, ' +
    'and the real network would make the run unrepeatable. Use node:net or node:http inside the simulation',
  dns:
    'the simulated network answers dns.lookup (and dns.promises.lookup) from its host table; DNS queries (resolve*, reverse, Resolver, setServers) are not simulated. ' +
    'Use dns.lookup, or name hosts in the network options (hosts: { db: 1 })',
  threads:
    'a simulation is single-threaded: other processes and threads run outside simulated time and cannot replay from the seed. ' +
    'Run that work outside the simulation, or call it in-process',
  keygen:
    'key and prime generation draws real randomness that the seed does not control. ' +
    'Generate keys before the simulation starts and pass them in, or derive them from seeded bytes (crypto.randomBytes)',
  subtle:
    'crypto.subtle completes on real threads, outside the simulated event loop, so the run would stall or reorder. ' +
    "Use node:crypto's synchronous functions (createHash, createHmac, createCipheriv, sign, ...) inside a simulation",
  host:
    "it changes the real host, which a simulation must not touch. Do it outside the simulation",
  legacy_timers:
    'legacy timer internals arm real timers. Use setTimeout/setInterval (simulated) instead',
} as const

export type UnsupportedReason = keyof typeof REASONS

/**
 * Thrown by a platform API that has no simulated implementation when it is
 * called inside a simulation: failing closed, rather than quietly reaching the
 * real disk, network, clock or another thread.
 */
export class UnsupportedInSimulation extends Error {
  override name = 'UnsupportedInSimulation'
  readonly code = 'ERR_MARIONETTE_UNSUPPORTED_IN_SIMULATION'
  /** `file:line:column` of the code that made the call (an absolute path), when the stack shows it. */
  readonly caller: string | null

  constructor(
    /** The API as written in code, e.g. `fs.readFileSync`. */
    readonly api: string,
    readonly reason: UnsupportedReason,
  ) {
    super(`${api} is not available inside a simulation`)
    this.caller = callerLocation(this.stack ?? '')
    // The path relative to the working directory: a trace that records the message is the same on every checkout.
    this.message =
      `${api} is not available inside a simulation` +
      (this.caller === null ? '' : ` (called at ${displayPath(this.caller)})`) +
      `: ${REASONS[reason]}.`
    // The stack captured the placeholder message; give it the full one.
    if (this.stack !== undefined) {
      const at = this.stack.indexOf('\n    at ')
      this.stack = `${this.name}: ${this.message}${at === -1 ? '' : this.stack.slice(at)}`
    }
  }
}

/** Throws `UnsupportedInSimulation` for `api`, recording it in the active simulation's trace. */
export function failClosed(api: string, reason: UnsupportedReason): never {
  const error = new UnsupportedInSimulation(api, reason)
  try {
    activeSimulation()?.world.recordFields('platform.unsupported', { api })
  } catch {
    // A full trace fails the run by itself; the caller still gets the clearer error.
  }
  throw error
}
