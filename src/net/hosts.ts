import { describeValue, InvalidNetworkOption } from './errors.js'
import type { NodeId, Topology } from './topology.js'

/**
 * Names and addresses of the simulated nodes, for node:net, node:http and
 * dns.lookup inside a simulation.
 *
 * Node `n` has the IPv4 address 10.x.y.z of the integer n + 1 (node 0 is
 * 10.0.0.1, node 1 is 10.0.0.2, node 255 is 10.0.1.0) and the host name
 * `node<n>`; the `hosts` option adds names (`hosts: { db: 1 }`). `localhost`
 * and the loopback addresses are the node the code runs on.
 */

/** Longest host name (DNS's limit for a whole name). */
export const MAX_HOST_NAME_LENGTH = 253
/** Names the `hosts` option may declare. */
export const MAX_HOST_NAMES = 4096
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

/** The address of node `id`. */
export function nodeAddress(id: NodeId): string {
  const n = id + 1
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Host names and addresses resolved to node indexes. */
export class HostTable {
  readonly #by_name = new Map<string, number>()
  readonly #by_address = new Map<string, number>()
  /** The declared names, for error messages and docs: `db=1`. */
  readonly names: readonly string[]

  constructor(topology: Topology, hosts: unknown) {
    for (let i = 0; i < topology.count; i++) {
      const id = topology.idAt(i)
      this.#by_address.set(nodeAddress(id), i)
      this.#by_name.set(`node${id}`, i)
    }
    const names: string[] = []
    if (hosts !== undefined) {
      if (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts)) {
        throw new InvalidNetworkOption('hosts', `expected an object of host name -> node id, got ${describeValue(hosts)}`)
      }
      const entries = Object.entries(hosts as Record<string, unknown>)
      if (entries.length > MAX_HOST_NAMES) throw new InvalidNetworkOption('hosts', `at most ${MAX_HOST_NAMES} names, got ${entries.length}`)
      for (const [name, node] of entries) {
        const lower = name.toLowerCase()
        if (!HOST_NAME.test(lower) || lower === 'localhost' || /^[0-9.]+$/.test(lower)) {
          throw new InvalidNetworkOption(`hosts.${name}`, 'a host name is letters, digits and hyphens in dot-separated labels (not localhost, not an address)')
        }
        this.#by_name.set(lower, topology.indexOf(node, `hosts.${name}`))
        names.push(`${lower}=${String(node)}`)
      }
    }
    this.names = Object.freeze(names)
  }

  /** The node index a name or address stands for, `local` for loopback, or -1 for none of ours. */
  resolve(host: string, local: number): number {
    if (isLoopbackName(host)) return local
    const lower = host.toLowerCase()
    return this.#by_name.get(lower) ?? this.#by_address.get(lower) ?? -1
  }
}
