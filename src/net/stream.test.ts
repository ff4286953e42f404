import { describe, expect, test } from 'vitest'
import { Simulation } from '../sim/simulation.js'
import { BuggifyRate } from '../world/buggify.js'
import { NETWORK_MODEL, type NetworkModel, type NetworkOptions } from './network.js'
import { StreamError, type Connection, type StreamEvents } from './stream.js'

/** The stream transport on its own (no sockets): events recorded as text. */
function setup(network: NetworkOptions = { nodes: 3 }): { sim: Simulation; model: NetworkModel; log: string[]; events: (name: string) => StreamEvents } {
  const sim = new Simulation({ seed: 3, network })
  const model = (sim.network as unknown as Record<symbol, NetworkModel>)[NETWORK_MODEL] as NetworkModel
  const log: string[] = []
  const at = (): string => sim.world.clock.nowNsText()
  const events = (name: string): StreamEvents => ({
    connected: () => log.push(`${name} connected @${at()}`),
    data: (bytes) => log.push(`${name} data ${Buffer.from(bytes).toString()} @${at()}`),
    end: () => log.push(`${name} end @${at()}`),
    failed: (code, syscall) => log.push(`${name} failed ${code} ${syscall} @${at()}`),
    writable: () => log.push(`${name} writable`),
    unread: () => 0,
  })
  return { sim, model, log, events }
}

function serve(model: NetworkModel, node: number, port: number, events: (name: string) => StreamEvents, on_accept: (c: Connection) => void = () => {}): void {
  model.transport.listen(node, port, false, (connection) => {
    on_accept(connection)
    return events(`server:${connection.remote_port}`)
  })
}

describe('stream transport', () => {
  test('ports: listeners own theirs, client ports count up from 49152, a taken port is EADDRINUSE', () => {
    const { model, events } = setup()
    expect(model.transport.listen(1, 80, false, () => null)).toBe(80)
    expect(() => model.transport.listen(1, 80, false, () => null)).toThrow(StreamError)
    expect(model.transport.listen(1, 0, false, () => null)).toBe(49152)
    expect(model.transport.connect(1, 0, 1, events('a')).local_port).toBe(49153)
    expect(model.transport.connect(0, 1, 80, events('b')).local_port).toBe(49152)
  })

  test('refused, and a down node: ECONNREFUSED at once, ETIMEDOUT after six SYN retries (127 s)', async () => {
    const { sim, model, log, events } = setup()
    sim.control.network.setNode(2, false)
    await sim.loop.run(async () => {
      model.transport.connect(0, 1, 80, events('refused'))
      model.transport.connect(0, 2, 80, events('down'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 200_000))
    })
    expect(log).toEqual(['refused failed ECONNREFUSED connect @2000000', 'down failed ETIMEDOUT connect @127000000000'])
    expect(sim.world.trace.text().match(/msg=syn:49153>80/g)).toHaveLength(7)
  })

  test('a partition shorter than the retries delays the bytes; the connection survives', async () => {
    const { sim, model, log, events } = setup()
    let server: Connection | null = null
    serve(model, 1, 80, events, (connection) => (server = connection))
    await sim.loop.run(async () => {
      const client = model.transport.connect(0, 1, 80, events('client'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
      sim.control.network.partition([0], [1])
      client.write(Buffer.from('across'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 1000))
      sim.control.network.heal()
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 2000))
      ;(server as unknown as Connection).write(Buffer.from('back'))
      client.end()
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
    })
    // Sent at 10 ms, retransmitted at 210, 610 and 1410 ms: the first after the heal (1010 ms) arrives.
    expect(log).toEqual([
      'client connected @2000000',
      'server:49152 data across @1411000000',
      'client data back @3011000000',
      'server:49152 end @3011000000',
    ])
    expect(model.transport.connectionCount(0)).toBe(1) // the client end is half-closed, not gone
  })

  test('a server listens again on its port at once: accepted connections, open or in TIME_WAIT, do not hold it (SO_REUSEADDR); a client port does', async () => {
    const { sim, model, log, events } = setup({ nodes: 2 })
    const accepted: Connection[] = []
    serve(model, 1, 80, events, (connection) => accepted.push(connection))
    await sim.loop.run(async () => {
      const open = model.transport.connect(0, 1, 80, events('open'))
      const closing = model.transport.connect(0, 1, 80, events('closing'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 5))
      // The server closes one connection first: its end waits in TIME_WAIT on port 80.
      accepted[1]!.end()
      closing.end()
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
      model.transport.unlisten(1, 80)
      expect(model.transport.connectionCount(1)).toBe(1)
      serve(model, 1, 80, events)
      model.transport.connect(0, 1, 80, events('after'))
      open.write(Buffer.from('still'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 5))
      expect(() => model.transport.listen(0, open.local_port, false, () => null)).toThrow(StreamError)
    })
    // The old connection still carries bytes; the new listener accepts.
    expect(log.slice(-2)).toEqual(['server:49152 data still @16000000', 'after connected @17000000'])
    expect(sim.world.trace.text().match(/net\.listen node=1 port=80\n/g)).toHaveLength(2)
  })

  test('a finished connection waits in TIME_WAIT: late duplicates draw no RST, and it is gone after 60 s', async () => {
    const { sim, model, log, events } = setup({ nodes: 2, faults: { duplicate_rate: BuggifyRate.always() } })
    serve(model, 1, 80, events, (connection) => {
      connection.write(Buffer.from('hi'))
      connection.end()
    })
    await sim.loop.run(async () => {
      const client = model.transport.connect(0, 1, 80, events('client'))
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 5))
      client.end()
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
      expect([model.transport.connectionCount(0), model.transport.connectionCount(1)]).toEqual([0, 0])
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 61_000))
    })
    expect(log).toEqual(['client connected @2000000', 'client data hi @2000000', 'client end @2000000', 'server:49152 end @6000000'])
    const trace = sim.world.trace.text()
    expect(trace).toMatch(/network\.duplicate/)
    expect(trace).not.toMatch(/msg=rst/)
    expect(trace.match(/net\.closed /g)).toHaveLength(2)
  })
})
