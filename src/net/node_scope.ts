import { AsyncLocalStorage } from 'node:async_hooks'
import type { ContextCarrier } from '../scheduler/loop.js'

/**
 * Which simulated node code is running on.
 *
 * A scope is carried by one AsyncLocalStorage, so it follows promise
 * continuations, and by the simulated loop's context carrier, so it follows the
 * simulated timers, immediates, nextTick and I/O completions a node schedules
 * (the loop runs every task from its own driver callback, where AsyncLocalStorage
 * alone would see the driver's context). Code outside any scope runs on the
 * network's first declared node. Only the harness enters a scope
 * (`sim.network.onNode`); the platform's sockets run their events on their own node.
 */
export interface NodeScope {
  /** The network the node belongs to (a scope of another simulation's network is not this one's). */
  readonly owner: object
  /** The node's dense index in the topology. */
  readonly index: number
}

const STORAGE = Symbol.for('marionette.node_scope')
const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<NodeScope | undefined> | undefined>
/** One storage per process: the source and the build of this module agree on it. */
const storage: AsyncLocalStorage<NodeScope | undefined> = (holder[STORAGE] ??= new AsyncLocalStorage<NodeScope | undefined>())

/** The loop's carrier for node scopes (installed by the network model). */
export const nodeScopeCarrier: ContextCarrier = {
  capture: () => storage.getStore(),
  enter: (context) => storage.enterWith(context as NodeScope | undefined),
}

/** The scope code is running in now, if any. */
export function currentNodeScope(): NodeScope | undefined {
  return storage.getStore()
}

/** Runs `fn` on the node of `scope`: it, its promise continuations and the tasks it schedules. */
export function runInNodeScope<T>(scope: NodeScope, fn: () => T): T {
  return storage.run(scope, fn)
}

/**
 * Turns the storage off (its promise hooks cost every promise in the process
 * on Node 20); the next `runInNodeScope` or loop carrier turns it on again.
 * Called when a simulation stops being the active one.
 */
export function disableNodeScopes(): void {
  storage.disable()
}
