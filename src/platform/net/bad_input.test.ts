import { describe, expect, test } from 'vitest'
import { InvalidNetworkOption, UndeclaredPeer, UnknownNode } from '../../net/errors.js'
import type { NetworkOptions } from '../../net/network.js'
import { run } from '../../run/run.js'
import { Simulation } from '../../sim/simulation.js'
import net from '../modules/net.js'
import { UnsupportedInSimulation } from '../unsupported.js'
import { inNet } from './test_support.js'

/**
 * Issue 6's bad-input criteria for the network and the sockets over it:
 * unknown node ids, messages to undeclared peers, invalid fault rates and
 * operations on destroyed sockets each get a clear error at the call.
 */

function simulation(network: NetworkOptions): Simulation {
  return new Simulation({ seed: 1, network })
}

describe('bad input to the simulated network and its sockets', () => {
  test('unknown node ids: onNode, the hosts table, resets and counts name the id and the declared nodes', () => {
    const sim = simulation({ nodes: [2, 4] })
    expect(() => sim.network.onNode(3, () => {})).toThrow(UnknownNode)
    expect(() => sim.network.onNode(3, () => {})).toThrow("onNode: node 3 is not in the network's declared topology (nodes 2, 4)")
    expect(() => sim.control.network.resetConnections(9)).toThrow(/^resetConnections \(node\): node 9 is not/)
    expect(() => sim.control.network.resetConnections(2, 5)).toThrow(/^resetConnections \(peer\): node 5 is not/)
    expect(() => sim.control.network.connectionCount(-1)).toThrow(/^connectionCount: node -1 is not/)
    expect(() => simulation({ nodes: 2, hosts: { db: 7 } })).toThrow("hosts.db: node 7 is not in the network's declared topology (nodes 0..1)")
  })

  test('the hosts table: a name that is not a host name, or not an object, is refused', () => {
    expect(() => simulation({ nodes: 2, hosts: { 'has space': 1 } })).toThrow(InvalidNetworkOption)
    expect(() => simulation({ nodes: 2, hosts: { localhost: 1 } })).toThrow(/network option hosts\.localhost: a host name is letters/)
    expect(() => simulation({ nodes: 2, hosts: { '10.0.0.1': 1 } })).toThrow(/not an address/)
    expect(() => simulation({ nodes: 2, hosts: ['db'] as unknown as Record<string, number> })).toThrow(/network option hosts: expected an object of host name -> node id/)
    const sim = simulation({ nodes: 2 })
    expect(() => sim.network.onNode(1, 'fn' as unknown as () => void)).toThrow('onNode(1, fn): fn must be a function, got "fn"')
  })

  test('messages to undeclared peers and invalid fault rates (the packet core under the sockets)', () => {
    const sim = simulation({ nodes: 3 })
    const endpoint = sim.network.endpoint<string>(0, { peers: [1] })
    expect(() => endpoint.send(2, 'x')).toThrow(UndeclaredPeer)
    expect(() => endpoint.send(2, 'x')).toThrow('the endpoint of node 0 sent to node 2, which is not one of its declared peers [1]; declare it with endpoint(0, { peers: [...] })')
    expect(() => sim.control.network.setLossiness({ loss_rate: 0.1 as never })).toThrow(/network option faults.loss_rate: a buggify rate must be an object built with BuggifyRate/)
    expect(() => simulation({ nodes: 2, faults: { duplicate_rate: { kind: 'percent', percent: 140 } as never } })).toThrow(InvalidNetworkOption)
  })

  test('operations on destroyed sockets: Node errors, at the call or its callback', async () => {
    const { value } = await inNet(async (sim) => {
      const results: string[] = []
      const socket = new net.Socket()
      socket.on('error', (error: Error & { code?: string }) => results.push(`error event ${error.code}`))
      socket.destroy()
      socket.write('x', (error?: Error | null) => results.push(`write: ${(error as Error & { code?: string }).code} ${error?.message}`))
      await new Promise((resolve) => sim.timers.setImmediate(resolve))
      const connecting = net.connect(80, 'db')
      connecting.connect(80, 'db')
      await new Promise<void>((resolve) =>
        connecting.on('error', (error: Error & { code?: string }) => {
          results.push(`second connect: ${error.code} ${error.message}`)
          resolve()
        }),
      )
      try {
        net.connect(-1)
      } catch (error) {
        results.push(`bad port: ${(error as Error & { code?: string }).code}`)
      }
      return results
    })
    expect(value).toEqual([
      'write: ERR_STREAM_DESTROYED Cannot call write after a stream was destroyed',
      'second connect: EALREADY connect EALREADY db:80',
      'bad port: ERR_SOCKET_BAD_PORT',
    ])
  })

  test('an unhandled socket error fails the run with that error, as it would crash a Node process', async () => {
    const report = await run(
      async (sim) => {
        net.connect(80, 'node1') // nothing listens: ECONNREFUSED, and no 'error' listener
        await new Promise((resolve) => sim.timers.setTimeout(resolve, 100))
      },
      { seed: 1, network: { nodes: 2 }, replay: false },
    )
    expect(report.outcome).toBe('error')
    expect(report.error).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.2:80' })
  })

  test('node:net in a simulation without a network fails closed and says how to declare one', async () => {
    const report = await run(() => {
      net.createServer()
    }, { seed: 1, replay: false })
    expect(report.error).toBeInstanceOf(UnsupportedInSimulation)
    expect((report.error as UnsupportedInSimulation).reason).toBe('network')
    expect((report.error as Error).message).toMatch(/this simulation has no network.*network: \{ nodes: N, hosts: \{ name: node \} \}/)
  })
})
