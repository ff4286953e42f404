import { describe, expect, test } from 'vitest'
import { Simulation } from '../sim/simulation.js'
import { BuggifyRate } from '../world/buggify.js'
import { EndpointClosed, EndpointInUse, InvalidNetworkOption, NoNetwork, UndeclaredPeer, UnknownNode } from './errors.js'
import { Latency, type NetworkFaultOptions } from './faults.js'
import type { NetworkOptions } from './network.js'

function simulation(network: NetworkOptions = { nodes: 3 }): Simulation {
  return new Simulation({ seed: 1, network })
}

describe('bad input fails at the call, with a typed error naming what was wrong', () => {
  test('topology: counts and id lists are bounds-checked', () => {
    for (const nodes of [0, -1, 1.5, 257, Number.NaN]) {
      expect(() => simulation({ nodes })).toThrow(InvalidNetworkOption)
    }
    expect(() => simulation({ nodes: [1, 1] })).toThrow(/node id 1 is listed twice/)
    expect(() => simulation({ nodes: [] })).toThrow(/1 to 256 ids/)
    expect(() => simulation({ nodes: [0, -2] })).toThrow(/integers from 0 to 65535, got -2/)
    expect(() => simulation({ nodes: ['a'] as unknown as number[] })).toThrow(/got "a"/)
    expect(() => simulation({ nodes: 3, path_capacity: 0 })).toThrow(/network option path_capacity: expected an integer from 1/)
    expect(() => simulation({ nodes: 3, inbox_capacity: 2.5 })).toThrow(/inbox_capacity/)
    expect(() => simulation({ nodes: 3, node: 4 } as unknown as NetworkOptions)).toThrow(/network option node: unknown network option/)
  })

  test('unknown node ids: endpoints, sends and every control operation name the id and the declared nodes', () => {
    const sim = simulation({ nodes: [2, 4, 6] })
    const net = sim.control.network
    expect(() => sim.network.endpoint(3)).toThrow(UnknownNode)
    expect(() => sim.network.endpoint(3)).toThrow('endpoint: node 3 is not in the network\'s declared topology (nodes 2, 4, 6)')
    const a = sim.network.endpoint<number>(2)
    expect(() => a.send(5, 1)).toThrow(/send from node 2: node 5 is not in the network's declared topology/)
    expect(() => a.send('4' as unknown as number, 1)).toThrow(/node "4" is not/)
    const operations: [string, () => void][] = [
      ['setNode', () => net.setNode(0, false)],
      ['setLink', () => net.setLink(2, 7, false)],
      ['partition', () => net.partition([2], [9])],
      ['isolate', () => net.isolate(1)],
      ['clog', () => net.clog(8, 2)],
      ['unclog', () => net.unclog(2, 8)],
      ['queue', () => net.queue(2, 3)],
      ['healLinks', () => net.healLinks([1], [2])],
    ]
    for (const [name, operation] of operations) {
      expect(operation, name).toThrow(UnknownNode)
      expect(operation, name).toThrow(new RegExp(`^${name}`))
    }
    expect(() => net.setFaults({ partitionable_nodes: [2, 3] })).toThrow(/faults\.partitionable_nodes: node 3 is not/)
  })

  test('messages to undeclared peers throw UndeclaredPeer', () => {
    const sim = simulation()
    const a = sim.network.endpoint<number>(0, { peers: [1] })
    expect(a.peers).toEqual([1])
    expect(() => a.send(2, 1)).toThrow(UndeclaredPeer)
    expect(() => a.send(2, 1)).toThrow('the endpoint of node 0 sent to node 2, which is not one of its declared peers [1]')
    // By default a node's peers are every other node; sending to itself needs declaring.
    const b = sim.network.endpoint<number>(1)
    expect(b.peers).toEqual([0, 2])
    expect(() => b.send(1, 1)).toThrow(UndeclaredPeer)
    expect(() => sim.network.endpoint(2, { peers: [0, 7] })).toThrow(UnknownNode)
  })

  test('invalid fault rates: a RangeError naming the field and the allowed forms', () => {
    const sim = simulation()
    const bad: [NetworkFaultOptions, RegExp][] = [
      [{ loss_rate: 0.1 as unknown as BuggifyRate }, /network option faults\.loss_rate: .*allowed forms: BuggifyRate\.never\(\), BuggifyRate\.always\(\), BuggifyRate\.percent\(p\)/],
      [{ duplicate_rate: { kind: 'percent', percent: 101 } }, /faults\.duplicate_rate: BuggifyRate\.percent\(101\)/],
      [{ clog_rate: { kind: 'ratio', numerator: 3, denominator: 2 } }, /faults\.clog_rate: .*numerator/],
      [{ partition_rate: { kind: 'sometimes' } as unknown as BuggifyRate }, /faults\.partition_rate: unknown buggify rate kind/],
      [{ clog_duration_min_ns: -1 }, /faults\.clog_duration_min_ns: expected a non-negative integer number of nanoseconds, got -1/],
      [{ partition_stability_min_ns: 1.5 }, /faults\.partition_stability_min_ns/],
      [{ partition_mode: 'random' as 'isolate_single' }, /faults\.partition_mode: got "random"; allowed: isolate_single, uniform_size, uniform_partition/],
      [{ partition_direction: 'left' as 'both' }, /faults\.partition_direction: got "left"; allowed: both, one_way/],
      [{ latency: { kind: 'normal' } as unknown as NetworkFaultOptions['latency'] }, /faults\.latency: unknown latency kind "normal"; allowed forms: Latency\.fixed/],
      [{ latency: { kind: 'exponential', min_ns: 5, mean_ns: 0, max_ns: 9 } }, /faults\.latency\.mean_ns: the mean must be positive/],
      [{ latency: { kind: 'exponential', min_ns: 5, mean_ns: 1, max_ns: 4 } }, /faults\.latency\.max_ns: max_ns 4 is below min_ns 5/],
      [{ los_rate: BuggifyRate.never() } as unknown as NetworkFaultOptions, /faults\.los_rate: unknown field; the fault fields are loss_rate/],
    ]
    for (const [faults, message] of bad) {
      expect(() => sim.control.network.setFaults(faults)).toThrow(RangeError)
      expect(() => sim.control.network.setFaults(faults)).toThrow(message)
      expect(() => simulation({ nodes: 2, faults })).toThrow(message)
    }
    expect(() => sim.control.network.setLossiness({ clog_rate: BuggifyRate.never() } as never)).toThrow(
      /set_lossiness\.clog_rate: not one of this setter's fields \(loss_rate, duplicate_rate\)/,
    )
    expect(() => sim.control.network.setLatency(Latency.fixed(-5))).toThrow(/latency\.min_ns/)
    expect(() => sim.control.network.clog(0, 1, -1)).toThrow(/clog duration_ns/)
    expect(() => sim.control.network.setNode(0, 'no' as unknown as boolean)).toThrow(/up must be true or false/)
    expect(() => sim.control.network.partition([0], [0, 1])).toThrow(/node 0 is on both sides/)
    expect(() => sim.control.network.partition([], [1])).toThrow(/both sides need at least one node/)
    expect(() => sim.control.network.partition([0], [1], { direction: 'up' as 'both' })).toThrow(/allowed: both, one_way/)
    // Nothing invalid was applied.
    expect(sim.control.network.faults.loss_rate).toEqual(BuggifyRate.never())
  })

  test('operations on a closed endpoint throw (or reject) EndpointClosed', async () => {
    const sim = simulation()
    const a = sim.network.endpoint<number>(0)
    a.close()
    expect(a.closed).toBe(true)
    expect(() => a.send(1, 1)).toThrow(EndpointClosed)
    expect(() => a.send(1, 1)).toThrow('send on the endpoint of node 0, which is closed')
    expect(() => a.tryReceive()).toThrow(EndpointClosed)
    expect(() => a.onMessage(() => {})).toThrow(EndpointClosed)
    await expect(a.receive()).rejects.toThrow(EndpointClosed)
    a.close() // closing twice is harmless
    // The node can open an endpoint again once the old one is closed; not while it is open.
    const again = sim.network.endpoint<number>(0)
    expect(() => sim.network.endpoint(0)).toThrow(EndpointInUse)
    expect(() => sim.network.byteEndpoint(0)).toThrow(EndpointInUse)
    again.close()
  })

  test('a receive waiting when the endpoint closes rejects', async () => {
    const sim = simulation()
    const a = sim.network.endpoint<number>(0)
    await sim.loop.run(async () => {
      const waiting = a.receive()
      sim.timers.setTimeout(() => a.close(), 5)
      await expect(waiting).rejects.toThrow(EndpointClosed)
    })
  })

  test('a simulation without network options says so', () => {
    const sim = new Simulation({ seed: 1 })
    expect(() => sim.network).toThrow(NoNetwork)
    expect(() => sim.control.network).toThrow(/control\.network: this simulation has no network; pass network: \{ nodes: N \}/)
  })

  test('byte endpoints take only bytes, within max_message_bytes; codecs must have encode and decode', () => {
    const sim = simulation({ nodes: 2, max_message_bytes: 8 })
    const a = sim.network.byteEndpoint(0)
    expect(() => a.send(1, 'text' as unknown as Uint8Array)).toThrow(/a byte endpoint sends Uint8Array/)
    expect(() => a.send(1, new Uint8Array(9))).toThrow(/9-byte message is over the network's max_message_bytes of 8/)
    expect(() => sim.network.codecEndpoint(1, { encode: () => new Uint8Array() } as never)).toThrow(/encode\(message\) and decode\(bytes\)/)
    // The failed codecEndpoint did not leave node 1's endpoint open.
    sim.network.byteEndpoint(1).close()
  })
})
