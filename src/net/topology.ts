import { describeValue, InvalidNetworkOption, UnknownNode } from './errors.js'

/** A node of the simulated network: a non-negative integer declared in the topology. */
export type NodeId = number

/** Nodes a network may declare: every directed path between them gets a link (nodes² links). */
export const MAX_NODES = 256
/** Largest node id a topology may list. */
export const MAX_NODE_ID = 65_535

/**
 * The declared process universe: node ids and their dense indexes. Topology is
 * fixed at construction; every node id that crosses the API is checked here.
 */
export class Topology {
  /** Declared node ids, in declaration order; index i is node `ids[i]`. */
  readonly ids: readonly NodeId[]
  readonly count: number
  /** Node id -> index, -1 for ids not declared. */
  readonly #index_of: Int32Array
  readonly #declared_text: string

  constructor(nodes: number | readonly NodeId[]) {
    let ids: NodeId[]
    if (typeof nodes === 'number') {
      if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
        throw new InvalidNetworkOption('nodes', `a node count must be an integer from 1 to ${MAX_NODES}, got ${describeValue(nodes)}`)
      }
      ids = Array.from({ length: nodes }, (_, i) => i)
    } else if (Array.isArray(nodes)) {
      if (nodes.length < 1 || nodes.length > MAX_NODES) {
        throw new InvalidNetworkOption('nodes', `a node list must hold 1 to ${MAX_NODES} ids, got ${nodes.length}`)
      }
      ids = []
      for (const id of nodes as readonly unknown[]) {
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id > MAX_NODE_ID) {
          throw new InvalidNetworkOption('nodes', `node ids are integers from 0 to ${MAX_NODE_ID}, got ${describeValue(id)}`)
        }
        if (ids.includes(id)) throw new InvalidNetworkOption('nodes', `node id ${id} is listed twice`)
        ids.push(id)
      }
    } else {
      throw new InvalidNetworkOption('nodes', `expected a node count or a list of node ids, got ${describeValue(nodes)}`)
    }
    this.ids = Object.freeze(ids)
    this.count = ids.length
    let max_id = 0
    for (const id of ids) max_id = Math.max(max_id, id)
    this.#index_of = new Int32Array(max_id + 1).fill(-1)
    for (let i = 0; i < ids.length; i++) this.#index_of[ids[i] as number] = i
    const contiguous = ids.every((id, i) => id === i)
    this.#declared_text = contiguous ? `nodes 0..${ids.length - 1}` : `nodes ${ids.join(', ')}`
  }

  /** The index of a declared node; throws `UnknownNode` naming `where` for anything else. */
  indexOf(node: unknown, where: string): number {
    if (typeof node === 'number' && Number.isInteger(node) && node >= 0 && node < this.#index_of.length) {
      const index = this.#index_of[node] as number
      if (index !== -1) return index
    }
    throw new UnknownNode(node, where, this.#declared_text)
  }

  /** Indexes of a list of declared nodes, each checked, duplicates rejected. */
  indexesOf(nodes: readonly NodeId[], where: string): number[] {
    if (!Array.isArray(nodes)) {
      throw new InvalidNetworkOption(where, `expected a list of node ids, got ${describeValue(nodes)}`)
    }
    const indexes: number[] = []
    for (const node of nodes) {
      const index = this.indexOf(node, where)
      if (indexes.includes(index)) throw new InvalidNetworkOption(where, `node ${node} is listed twice`)
      indexes.push(index)
    }
    return indexes
  }

  idAt(index: number): NodeId {
    const id = this.ids[index]
    if (id === undefined) throw new Error(`Topology: index ${index} is out of range`)
    return id
  }
}
