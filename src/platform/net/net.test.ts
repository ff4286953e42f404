import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import type { Simulation } from '../../sim/simulation.js'
import { BuggifyRate } from '../../world/buggify.js'
import { Latency } from '../../net/faults.js'
import dgram from '../modules/dgram.js'
import dns from '../modules/dns.js'
import http2 from '../modules/http2.js'
import https from '../modules/https.js'
import net from '../modules/net.js'
import tls from '../modules/tls.js'
import { process_nextTick, setImmediate as platformSetImmediate, setTimeout as platformSetTimeout } from '../index.js'
import { UnsupportedInSimulation } from '../unsupported.js'
import { inNet } from './test_support.js'

/** An echo server on `node` (upper-cases what it reads, ends when the client does). */
function echoServer(sim: Simulation, node: number, port: number, log: string[] = []): void {
  sim.network.onNode(node, () => {
    net
      .createServer((socket) => {
        log.push(`server on ${sim.network.currentNode()}: connection from ${socket.remoteAddress}`)
        socket.on('error', () => {}) // resets are part of some tests
        socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()))
        socket.on('end', () => socket.end())
      })
      .listen(port)
  })
}

/** Connects from the current node, sends `text`, ends, and resolves with what came back. */
function exchange(port: number, host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = net.connect(port, host, () => client.end(text))
    let got = ''
    client.on('data', (chunk: Buffer) => (got += chunk.toString()))
    client.on('error', reject)
    client.on('close', () => resolve(got))
  })
}

describe('node:net over the simulated network', () => {
  test('one scripted exchange: exact trace bytes', async () => {
    const { value, trace } = await inNet(async (sim) => {
      const log: string[] = []
      echoServer(sim, 1, 7000, log)
      log.push(`client got ${await exchange(7000, 'db', 'hi')}`)
      return log
    })
    expect(value).toEqual(['server on 1: connection from 10.0.0.1', 'client got HI'])
    expect(trace.split('\n').slice(4).join('\n')).toBe(
      [
        'event=2 net.listen node=1 port=7000',
        'event=3 net.connect node=0 port=49152 to=1 to_port=7000',
        'event=4 network.send from=0 to=1 packet=0 latency_ns=1000000 msg=syn:49152>7000',
        'event=5 network.deliver from=0 to=1 packet=0',
        'event=6 net.accept node=1 port=7000 peer=0 peer_port=49152',
        'event=7 network.send from=1 to=0 packet=1 latency_ns=1000000 msg=syn_ack:7000>49152',
        'event=8 network.deliver from=1 to=0 packet=1',
        'event=9 net.established node=0 port=49152 peer=1 peer_port=7000',
        'event=10 network.send from=0 to=1 packet=2 latency_ns=1000000 size_bytes=2 msg=data:49152>7000:0+2',
        'event=11 network.send from=0 to=1 packet=3 latency_ns=1000000 msg=fin:49152>7000:2',
        'event=12 network.deliver from=0 to=1 packet=2',
        'event=13 network.send from=1 to=0 packet=4 latency_ns=1000000 size_bytes=2 msg=data:7000>49152:0+2',
        'event=14 network.send from=1 to=0 packet=5 latency_ns=1000000 msg=ack:7000>49152:2:w65536',
        'event=15 network.deliver from=0 to=1 packet=3',
        'event=16 network.send from=1 to=0 packet=6 latency_ns=1000000 msg=ack:7000>49152:3:w65536',
        'event=17 net.fin node=1 port=7000 peer=0 peer_port=49152',
        'event=18 network.send from=1 to=0 packet=7 latency_ns=1000000 msg=fin:7000>49152:2',
        'event=19 net.close node=1 port=7000 peer=0 peer_port=49152 cause=local',
        'event=20 network.deliver from=1 to=0 packet=4',
        'event=21 network.send from=0 to=1 packet=8 latency_ns=1000000 msg=ack:49152>7000:2:w65536',
        'event=22 network.deliver from=1 to=0 packet=5',
        'event=23 network.deliver from=1 to=0 packet=6',
        'event=24 network.deliver from=1 to=0 packet=7',
        'event=25 network.send from=0 to=1 packet=9 latency_ns=1000000 msg=ack:49152>7000:3:w65536',
        'event=26 net.fin node=0 port=49152 peer=1 peer_port=7000',
        'event=27 net.closed node=0 port=49152 peer=1 peer_port=7000',
        'event=28 world.run_end now_ns=4000000 steps=11 outcome=passed',
        '',
      ].join('\n'),
    )
  })

  test('the current node follows simulated timers, immediates, nextTick, promises and socket events', async () => {
    const { value } = await inNet(async (sim) => {
      const seen: string[] = []
      const here = (label: string): void => {
        seen.push(`${label}@${sim.network.currentNode()}`)
      }
      sim.network.onNode(1, () => {
        net
          .createServer((socket) => {
            here('connection')
            socket.on('data', () => {
              here('data')
              socket.end()
            })
          })
          .listen(80)
      })
      const done = sim.network.onNode(2, async () => {
        here('start')
        await new Promise((resolve) => platformSetTimeout(resolve, 5))
        here('after timer')
        await new Promise((resolve) => platformSetImmediate(resolve))
        here('after immediate')
        await new Promise((resolve) => process_nextTick(resolve))
        here('after nextTick')
        await new Promise<void>((resolve) => {
          const client = net.connect(80, 'db', () => {
            here('connect')
            client.write('x')
          })
          client.on('end', () => here('end'))
          client.on('close', () => resolve())
          client.resume()
        })
        here('after close')
        return sim.network.currentNode()
      })
      here('harness')
      const last = await done
      here('harness after await')
      return { seen, last }
    })
    expect(value).toEqual({
      seen: [
        'start@2',
        'harness@0',
        'after timer@2',
        'after immediate@2',
        'after nextTick@2',
        'connection@1',
        'connect@2',
        'data@1',
        'end@2',
        'after close@2',
        'harness after await@0',
      ],
      last: 2,
    })
  })

  test('backpressure: a reader that pauses holds the writer at the window; every byte arrives in order', async () => {
    const { value, trace } = await inNet(async (sim) => {
      const total = 1_000_000
      const payload = Buffer.alloc(total)
      for (let i = 0; i < total; i++) payload[i] = (i * 7919) % 251
      let received = 0
      const hash = createHash('sha256')
      const events: string[] = []
      sim.network.onNode(1, () => {
        net
          .createServer((socket) => {
            socket.pause() // nothing read for 500 ms
            sim.timers.setTimeout(() => {
              events.push(`resume at ${sim.world.clock.nowNsText()} with ${socket.readableLength} bytes buffered`)
              socket.on('data', (chunk: Buffer) => {
                received += chunk.byteLength
                hash.update(chunk)
              })
              socket.resume() // an explicit pause() is not undone by a 'data' listener
            }, 500)
            socket.on('end', () => socket.end())
          })
          .listen(9000)
      })
      await new Promise<void>((resolve) => {
        const client = net.connect(9000, 'db', () => {
          let offset = 0
          const pump = (): void => {
            while (offset < total) {
              const ok = client.write(payload.subarray(offset, offset + 65_536))
              offset += 65_536
              if (!ok) {
                events.push(`write returned false at ${Math.min(offset, total)}`)
                client.once('drain', pump)
                return
              }
            }
            client.end()
          }
          pump()
        })
        client.resume()
        client.on('close', () => resolve())
      })
      return { received, same: hash.digest('hex') === createHash('sha256').update(payload).digest('hex'), events: events.slice(0, 3), done_ns: sim.world.clock.nowNsText() }
    })
    expect(value.received).toBe(1_000_000)
    expect(value.same).toBe(true)
    // Each 64 KiB write is over the 16 KiB high-water mark (false, then 'drain'); the second
    // one's 'drain' waits until the reader resumes: the window (64 KiB) and the send buffer are full.
    expect(value.events).toEqual(['write returned false at 65536', 'write returned false at 131072', 'resume at 501000000 with 65536 bytes buffered'])
    // While the reader is paused the window closes (w0) and the writer probes it.
    expect(trace).toMatch(/msg=ack:9000>49152:\d+:w0\n/)
    expect(trace).toMatch(/msg=probe:49152>9000:/)
  })

  test('under loss, duplication and jitter every byte arrives in order, over many seeds, and each run replays', async () => {
    for (let seed = 0; seed < 20; seed++) {
      const { value } = await inNet(
        async (sim) => {
          echoServer(sim, 1, 7000)
          const text = `seed ${seed}: ${'abcdefghij'.repeat(5000)}`
          return (await exchange(7000, 'db', text)) === text.toUpperCase()
        },
        {
          seed,
          network: {
            nodes: 3,
            hosts: { db: 1 },
            faults: {
              loss_rate: BuggifyRate.percent(10),
              duplicate_rate: BuggifyRate.percent(10),
              latency: Latency.uniform(500_000, 4_000_000),
            },
          },
        },
      )
      expect(value, `seed ${seed}`).toBe(true)
    }
  })

  test('connection resets: every connection of a node, or of one link, at both ends', async () => {
    const { value, trace } = await inNet(async (sim) => {
      echoServer(sim, 1, 7000)
      echoServer(sim, 2, 7000)
      const errors: string[] = []
      const open = (host: string): Promise<void> =>
        new Promise((resolve) => {
          const client = net.connect(7000, host, () => resolve())
          client.on('error', (error: Error & { code?: string }) => errors.push(`${host} ${error.code} ${error.message}`))
        })
      await Promise.all([open('db'), open('web'), open('web')])
      const counts = [0, 1, 2].map((node) => sim.control.network.connectionCount(node))
      const link_reset = sim.control.network.resetConnections(0, 1)
      const node_reset = sim.control.network.resetConnections(2)
      const after = sim.control.network.resetConnections()
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
      return { counts, link_reset, node_reset, after, errors }
    })
    expect(value).toEqual({
      counts: [3, 1, 2],
      link_reset: 2,
      node_reset: 4,
      after: 0,
      errors: ['db ECONNRESET read ECONNRESET', 'web ECONNRESET read ECONNRESET', 'web ECONNRESET read ECONNRESET'],
    })
    expect(trace).toMatch(/net\.reset node=0 port=49152 peer=1 peer_port=7000 cause=control\n/)
  })

  test('listening: a host name of another node is EADDRNOTAVAIL; the own name, localhost and 0 work', async () => {
    const { value } = await inNet(async (sim) => {
      const results: unknown[] = []
      await sim.network.onNode(1, async () => {
        const on = (server: import('node:net').Server): Promise<unknown> =>
          new Promise((resolve) => {
            server.on('listening', () => resolve(server.address()))
            server.on('error', (error: Error & { code?: string }) => resolve(`${error.code} ${error.message}`))
          })
        results.push(await on(net.createServer().listen(80, 'web')))
        results.push(await on(net.createServer().listen(80, 'db')))
        results.push(await on(net.createServer().listen(81, 'localhost')))
        results.push(await on(net.createServer().listen(0)))
        results.push(await on(net.createServer().listen({ port: 82, host: '10.0.0.2' })))
      })
      return results
    })
    expect(value).toEqual([
      'EADDRNOTAVAIL listen EADDRNOTAVAIL: address not available 10.0.0.3:80',
      { address: '10.0.0.2', family: 'IPv4', port: 80 },
      { address: '127.0.0.1', family: 'IPv4', port: 81 },
      { address: '::', family: 'IPv6', port: 49152 },
      { address: '10.0.0.2', family: 'IPv4', port: 82 },
    ])
  })

  test('a server on localhost only is unreachable from other nodes; an address outside the network is EHOSTUNREACH', async () => {
    const { value } = await inNet(async (sim) => {
      sim.network.onNode(1, () => net.createServer((socket) => socket.end('local')).listen(80, '127.0.0.1'))
      const outcome = (port: number, host: string): Promise<string> =>
        new Promise((resolve) => {
          const client = net.connect(port, host)
          let got = ''
          client.on('data', (chunk: Buffer) => (got += chunk.toString()))
          client.on('error', (error: Error & { code?: string }) => resolve(`${error.code} ${error.message}`))
          client.on('end', () => resolve(`got ${got}`))
        })
      return [
        await outcome(80, 'db'),
        await sim.network.onNode(1, () => outcome(80, 'localhost')),
        await outcome(80, '192.168.1.1'),
        await outcome(80, 'nowhere.example'),
      ]
    })
    expect(value).toEqual([
      'ECONNREFUSED connect ECONNREFUSED 10.0.0.2:80',
      'got local',
      'EHOSTUNREACH connect EHOSTUNREACH 192.168.1.1:80',
      'ENOTFOUND getaddrinfo ENOTFOUND nowhere.example',
    ])
  })
})

describe('dns inside a simulation', () => {
  test('lookup answers from the host table; other queries fail closed', async () => {
    const { value } = await inNet(async (sim) => {
      const lookup = (host: string, options: object = {}): Promise<unknown> =>
        new Promise((resolve) =>
          dns.lookup(host, options, (error: (Error & { code?: string }) | null, address?: unknown, family?: unknown) =>
            resolve(error === null ? [address, family] : `${error.code} ${error.message}`),
          ),
        )
      return [
        await lookup('db'),
        await lookup('node2'),
        await lookup('localhost'),
        await lookup('10.0.0.9'),
        await lookup('DB', { all: true }),
        await lookup('unknown'),
        await dns.promises.lookup('web'),
        await dns.promises.lookup('gone').catch((error: Error & { code?: string; hostname?: string }) => [error.code, error.hostname]),
        (() => {
          try {
            dns.resolve4('db', () => {})
          } catch (error) {
            return (error as UnsupportedInSimulation).api
          }
          return 'no error'
        })(),
        sim.network.onNode(2, () => sim.network.currentNode()),
      ]
    })
    expect(value).toEqual([
      ['10.0.0.2', 4],
      ['10.0.0.3', 4],
      ['127.0.0.1', 4],
      ['10.0.0.9', 4],
      [[{ address: '10.0.0.2', family: 4 }], undefined],
      'ENOTFOUND getaddrinfo ENOTFOUND unknown',
      { address: '10.0.0.3', family: 4 },
      ['ENOTFOUND', 'gone'],
      'dns.resolve4',
      2,
    ])
  })
})

describe('tls, https, http2 and dgram fail closed inside a simulation', () => {
  test('each names its API and the network_protocol reason; outside they are the real modules', async () => {
    const { value } = await inNet(() => {
      const calls: (() => unknown)[] = [
        () => tls.connect(443, 'db'),
        () => https.get('https://db/'),
        () => https.createServer(),
        () => http2.connect('http://db'),
        () => dgram.createSocket('udp4'),
        () => new net.Socket({ fd: 3 } as never),
        () => net.connect({ path: '/tmp/socket' }),
      ]
      return calls.map((call) => {
        try {
          call()
        } catch (error) {
          return error instanceof UnsupportedInSimulation ? `${error.api} ${error.reason}` : String(error)
        }
        return 'no error'
      })
    })
    expect(value).toEqual([
      'tls.connect network_protocol',
      'https.get network_protocol',
      'https.createServer network_protocol',
      'http2.connect network_protocol',
      'dgram.createSocket network_protocol',
      'net.Socket({ fd, handle }) network_protocol',
      'net.connect({ path }) network_protocol',
    ])
    // Outside a simulation the wrappers are the real modules.
    const socket = dgram.createSocket('udp4')
    socket.close()
    expect(typeof tls.checkServerIdentity).toBe('function')
  })
})
