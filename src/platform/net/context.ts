import { NoNetwork } from '../../net/errors.js'
import { nodeAddress } from '../../net/hosts.js'
import { NETWORK_MODEL, type NetworkModel } from '../../net/network.js'
import type { Simulation } from '../../sim/simulation.js'
import { failClosed } from '../unsupported.js'

/**
 * The simulated network as node:net, node:http and dns see it in one
 * simulation: the network model, the node the calling code runs on, and the
 * addresses. Created on first use (which makes the loop carry node scopes).
 */
export interface NetContext {
  readonly sim: Simulation
  readonly model: NetworkModel
  /** The node index the calling code runs on. */
  currentIndex(): number
  /** The address of the node at `index` (10.0.0.<index+1> for nodes 0..). */
  addressOf(index: number): string
  /** The node index of a name or address (`localhost` is `local`), or -1. */
  resolve(host: string, local: number): number
  /** Keeps the loop on its macrotask settle while sockets and servers live (Node's streams use the real nextTick). */
  hold(): () => void
}

const contexts = new WeakMap<Simulation, NetContext>()

/** The simulation's network context; a simulation without `network` options fails `api` closed. */
export function netContext(sim: Simulation, api: string): NetContext {
  let context = contexts.get(sim)
  if (context !== undefined) return context
  let model: NetworkModel
  try {
    model = (sim.network as unknown as Record<symbol, NetworkModel>)[NETWORK_MODEL] as NetworkModel
  } catch (error) {
    if (error instanceof NoNetwork) failClosed(api, 'network')
    throw error
  }
  model.enableScopes()
  const topology = model.core.topology
  const addresses = topology.ids.map(nodeAddress)
  context = {
    sim,
    model,
    currentIndex: () => model.currentIndex(),
    addressOf: (index) => addresses[index] as string,
    resolve: (host, local) => model.hosts.resolve(host, local),
    hold: () => sim.loop.holdMacrotaskSettle(),
  }
  contexts.set(sim, context)
  return context
}
