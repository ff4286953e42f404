import { describe, expect, test } from 'vitest'
import { Simulation } from '../sim/simulation.js'
import { BuggifyRate } from '../world/buggify.js'
import { DecodeError, type Codec } from './codec.js'
import type { NetworkOptions } from './network.js'

function simulation(network: NetworkOptions = { nodes: 3 }, seed = 1): Simulation {
  return new Simulation({ seed, network })
}

describe('typed endpoints', () => {
  test('receive gives {from, message} in arrival order; concurrent receives are served first come, first served', async () => {
    const sim = simulation()
    const a = sim.network.endpoint<string>(0)
    const b = sim.network.endpoint<string>(1)
    const c = sim.network.endpoint<string>(2)
    await sim.loop.run(async () => {
      const first = c.receive()
      const second = c.receive()
      a.send(2, 'from a')
      await sim.control.tick() // a's packet lands first (same latency, sent earlier)
      b.send(2, 'from b')
      expect(await first).toEqual({ from: 0, message: 'from a' })
      expect(await second).toEqual({ from: 1, message: 'from b' })
      expect(c.tryReceive()).toBeUndefined()
      a.send(2, 'x')
      b.send(2, 'y')
      await sim.control.runFor(2_000_000)
      expect(c.inbox_size).toBe(2)
      expect(c.tryReceive()).toEqual({ from: 0, message: 'x' })
      expect(await c.receive()).toEqual({ from: 1, message: 'y' })
    })
  })

  test('onMessage takes over delivery: waiting messages first, in order; null goes back to the inbox', async () => {
    const sim = simulation()
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    const seen: string[] = []
    await sim.loop.run(async () => {
      a.send(1, 1)
      a.send(1, 2)
      await sim.control.runFor(2_000_000)
      b.onMessage((message, from) => seen.push(`${from}:${message}`))
      expect(seen).toEqual(['0:1', '0:2'])
      expect(() => b.receive()).toThrow(/onMessage handler would never resolve/)
      a.send(1, 3)
      await sim.control.runFor(2_000_000)
      expect(seen).toEqual(['0:1', '0:2', '0:3'])
      b.onMessage(null)
      a.send(1, 4)
      expect((await b.receive()).message).toBe(4)
      const waiting = b.receive()
      expect(() => b.onMessage(() => {})).toThrow(/1 receive\(\) calls are waiting/)
      a.send(1, 5)
      expect((await waiting).message).toBe(5)
    })
  })

  test('a handler that throws fails the run', async () => {
    const sim = simulation()
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    b.onMessage(() => {
      throw new Error('handler bug')
    })
    await expect(
      sim.loop.run(async () => {
        a.send(1, 1)
        await sim.control.runFor(5_000_000)
      }),
    ).rejects.toThrow('handler bug')
  })
})

describe('byte endpoints: the sender\'s bytes are copied at send', () => {
  test('the sender may reuse its buffer at once; each delivery, duplicates included, owns a fresh Uint8Array', async () => {
    const sim = simulation({ nodes: 2, faults: { duplicate_rate: BuggifyRate.always() } })
    const a = sim.network.byteEndpoint(0, { describe: (bytes) => `len${bytes.byteLength}` })
    const b = sim.network.byteEndpoint(1)
    const scratch = Buffer.from('hello')
    await sim.loop.run(async () => {
      a.send(1, scratch)
      scratch.fill(0x21) // the sender reuses its buffer before anything arrives
      expect(sim.control.network.queue(0, 1).map((p) => p.size_bytes)).toEqual([5, 5])
      const first = (await b.receive()).message
      const second = (await b.receive()).message
      expect(Buffer.from(first).toString()).toBe('hello')
      expect(Buffer.from(second).toString()).toBe('hello')
      expect(first).not.toBe(second)
      expect(first.buffer).not.toBe(second.buffer)
      expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype) // a plain Uint8Array, not a view of a Buffer pool
      expect(first.byteOffset).toBe(0)
      expect(first.buffer.byteLength).toBe(5)
      first[0] = 0 // the receiver owns it: changing it affects nothing else
      expect(Buffer.from(second).toString()).toBe('hello')
    })
    expect(sim.world.trace.text()).toContain('network.send from=0 to=1 packet=0 latency_ns=1000000 size_bytes=5 msg=len5')
  })
})

/** A user protocol: a one-byte tag and an optional little-endian i64, as in the toy DB example. */
type Request = { op: 'get' } | { op: 'set'; value: bigint }

const requestCodec: Codec<Request> = {
  encode(request) {
    if (request.op === 'get') return Uint8Array.of(1)
    const bytes = new Uint8Array(9)
    bytes[0] = 2
    new DataView(bytes.buffer).setBigInt64(1, request.value, true)
    return bytes
  },
  decode(bytes) {
    if (bytes.byteLength === 1 && bytes[0] === 1) return { op: 'get' }
    if (bytes.byteLength === 9 && bytes[0] === 2) {
      return { op: 'set', value: new DataView(bytes.buffer, bytes.byteOffset, 9).getBigInt64(1, true) }
    }
    throw new Error(`unknown request tag ${bytes[0]}`)
  },
}

describe('codec transports', () => {
  test('typed values cross the network as the codec\'s bytes', async () => {
    const sim = simulation({ nodes: 2 })
    const client = sim.network.codecEndpoint(0, requestCodec)
    const server = sim.network.codecEndpoint(1, requestCodec)
    await sim.loop.run(async () => {
      client.send(1, { op: 'set', value: -42n })
      client.send(1, { op: 'get' })
      expect(await server.receive()).toEqual({ from: 0, message: { op: 'set', value: -42n } })
      expect(await server.receive()).toEqual({ from: 0, message: { op: 'get' } })
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.send from=0 to=1 packet=0 latency_ns=1000000 size_bytes=9')
    expect(text).toContain('network.send from=0 to=1 packet=1 latency_ns=1000000 size_bytes=1')
    expect(server.node).toBe(1)
    expect(server.peers).toEqual([0])
  })

  test('bytes that do not decode reject receive with DecodeError and are consumed', async () => {
    const sim = simulation({ nodes: 2 })
    const raw = sim.network.byteEndpoint(0)
    const server = sim.network.codecEndpoint(1, requestCodec)
    await sim.loop.run(async () => {
      raw.send(1, Uint8Array.of(7, 7))
      raw.send(1, Uint8Array.of(1))
      const error = await server.receive().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(DecodeError)
      expect((error as DecodeError).message).toBe('node 1: a 2-byte message from node 0 did not decode: unknown request tag 7')
      expect((await server.receive()).message).toEqual({ op: 'get' })
    })
  })

  test('onMessage decodes each delivery for the handler', async () => {
    const sim = simulation({ nodes: 2 })
    const client = sim.network.codecEndpoint(0, requestCodec)
    const server = sim.network.codecEndpoint(1, requestCodec)
    const seen: Request[] = []
    server.onMessage((request) => seen.push(request))
    await sim.loop.run(async () => {
      client.send(1, { op: 'set', value: 5n })
      await sim.control.runFor(2_000_000)
    })
    expect(seen).toEqual([{ op: 'set', value: 5n }])
  })
})
