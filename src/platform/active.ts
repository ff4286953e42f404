import type { Simulation } from '../sim/simulation.js'
import { disableNodeScopes } from '../net/node_scope.js'
import { installTripwires } from './leaks.js'

/**
 * The active-simulation slot: which simulation the platform's globals and
 * module wrappers serve right now in this thread. The runner enters a
 * simulation around each attempt (its event loop and its checks) and exits it
 * afterwards; outside that window every platform API is the real one.
 *
 * The slot lives on globalThis under a registered symbol, so every copy of this
 * module (the source and the build, or two installs of the package) agrees on it.
 */
export interface ActiveSlot {
  simulation: Simulation | null
  /** Restores the globals the leak tripwires replaced; set while a simulation is active. */
  uninstall: (() => void) | null
}

const SLOT = Symbol.for('marionette.active_simulation')
const holder = globalThis as unknown as Record<symbol, ActiveSlot | undefined>

/** The shared slot. Read `slot.simulation` directly on hot paths. */
export const slot: ActiveSlot = (holder[SLOT] ??= { simulation: null, uninstall: null })

/** Entering a simulation while another is active in the same thread. */
export class SimulationAlreadyActive extends Error {
  override name = 'SimulationAlreadyActive'
  constructor() {
    super(
      'another simulation is already active in this thread: simulations in one thread run one at a time; ' +
        'do not run test.sim cases concurrently (no test.concurrent / describe.concurrent around them), ' +
        'and await each run() before starting the next',
    )
  }
}

/** The simulation active in this thread, or null outside one. */
export function activeSimulation(): Simulation | null {
  return slot.simulation
}

/**
 * Makes `sim` the active simulation: the platform globals and module wrappers
 * serve it, and the leak tripwires watch the real globals until `exitSimulation`.
 */
export function enterSimulation(sim: Simulation): void {
  if (slot.simulation !== null) throw new SimulationAlreadyActive()
  slot.simulation = sim
  try {
    slot.uninstall = installTripwires(sim)
  } catch (error) {
    slot.simulation = null
    throw error
  }
}

/** Ends `sim`'s turn: restores the real globals, exactly as they were. */
export function exitSimulation(sim: Simulation): void {
  if (slot.simulation !== sim) {
    throw new Error('exitSimulation: this simulation is not the active one (enter and exit must pair up)')
  }
  const uninstall = slot.uninstall
  slot.simulation = null
  slot.uninstall = null
  uninstall?.()
  // Node scopes' AsyncLocalStorage slows every promise while it is on: off between simulations.
  disableNodeScopes()
}
