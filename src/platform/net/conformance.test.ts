import realNet from 'node:net'
import { describe, expect, test } from 'vitest'
import { run } from '../../run/run.js'
import simNet from '../modules/net.js'

/**
 * The same socket sequences against real node:net on 127.0.0.1 and against the
 * simulated network (one node, loopback): the events each side sees, in
 * order, and the errors' codes, syscalls and messages must be equal. Port
 * numbers differ (the kernel's ephemeral ports against the simulation's) and
 * are written as PORT.
 */

type Net = typeof realNet
type Wait = (ms: number) => Promise<void>
type Scenario = (net: Net, wait: Wait) => Promise<string[]>

function describeError(error: Error & { code?: unknown; syscall?: unknown }): string {
  return `${String(error.code)} ${String(error.syscall)} ${error.message}`
}

/** A server on an ephemeral port of 127.0.0.1; resolves with it listening. */
function listen(net: Net, on_connection: (socket: realNet.Socket) => void, options: realNet.ServerOpts = {}): Promise<realNet.Server> {
  return new Promise((resolve) => {
    const server = net.createServer(options, on_connection)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

function portOf(server: realNet.Server): number {
  return (server.address() as realNet.AddressInfo).port
}

function closed(socket: realNet.Socket, log: string[], name: string): Promise<void> {
  return new Promise((resolve) => {
    socket.on('close', (had_error: boolean) => {
      log.push(`${name} close ${had_error}`)
      resolve()
    })
  })
}

const scenarios: Record<string, Scenario> = {
  async refused(net) {
    const log: string[] = []
    const server = await listen(net, () => {})
    const port = portOf(server)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => log.push('connect'))
    socket.on('error', (error) => log.push(`error ${describeError(error)}`))
    await closed(socket, log, 'client')
    return log
  },

  async 'echo with half-close'(net) {
    const log: string[] = []
    let server_closed: Promise<void> = Promise.resolve()
    const server = await listen(net, (socket) => {
      log.push('server connection')
      server_closed = closed(socket, log, 'server')
      let got = ''
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()))
      socket.on('end', () => {
        log.push(`server end ${got}`)
        socket.end(got.toUpperCase())
      })
    })
    const client = net.connect(portOf(server), '127.0.0.1')
    client.on('connect', () => log.push('client connect'))
    client.on('ready', () => log.push('client ready'))
    let got = ''
    client.on('data', (chunk: Buffer) => (got += chunk.toString()))
    client.on('end', () => log.push(`client end ${got}`))
    client.on('finish', () => log.push('client finish'))
    client.write('hello ')
    client.end('world')
    await closed(client, log, 'client')
    await server_closed
    server.close()
    log.push(`bytes ${client.bytesWritten} ${client.bytesRead}`)
    return log
  },

  async 'write after end and after destroy'(net) {
    const log: string[] = []
    const server = await listen(net, (socket) => socket.resume())
    const client = net.connect(portOf(server), '127.0.0.1')
    await new Promise((resolve) => client.on('connect', resolve))
    client.on('error', (error) => log.push(`error ${describeError(error)}`))
    client.end()
    client.write('late', (error) => log.push(`write callback ${error === null || error === undefined ? 'ok' : describeError(error)}`))
    await closed(client, log, 'client')
    client.write('after destroy', (error) => log.push(`write callback ${error === null || error === undefined ? 'ok' : describeError(error)}`))
    await new Promise((resolve) => process.nextTick(resolve))
    log.push(`destroyed ${client.destroyed} writable ${client.writable}`)
    server.close()
    return log
  },

  async 'address in use'(net) {
    const log: string[] = []
    const server = await listen(net, () => {})
    const second = net.createServer()
    await new Promise<void>((resolve) => {
      second.on('error', (error) => {
        log.push(`error ${describeError(error)}`)
        resolve()
      })
      second.listen(portOf(server), '127.0.0.1')
    })
    log.push(`listening ${second.listening}`)
    server.close()
    await new Promise<void>((resolve) => second.close((error) => (log.push(`close ${error === undefined ? 'ok' : describeError(error)}`), resolve())))
    return log
  },

  async 'idle timeout'(net, wait) {
    const log: string[] = []
    const server = await listen(net, (socket) => socket.resume())
    const client = net.connect(portOf(server), '127.0.0.1')
    client.setTimeout(50, () => {
      log.push('timeout')
      client.destroy()
    })
    client.on('connect', () => log.push('connect'))
    await wait(20)
    client.write('activity') // postpones the timeout
    await closed(client, log, 'client')
    server.close()
    return log
  },

  async 'reset by the peer'(net) {
    const log: string[] = []
    const server = await listen(net, (socket) => {
      socket.once('data', () => socket.resetAndDestroy())
    })
    const client = net.connect(portOf(server), '127.0.0.1', () => client.write('x'))
    client.on('error', (error) => log.push(`error ${describeError(error)}`))
    client.on('end', () => log.push('end'))
    await closed(client, log, 'client')
    server.close()
    return log
  },

  async 'EPIPE after the peer is gone'(net, wait) {
    const log: string[] = []
    const server = await listen(net, (socket) => socket.destroy())
    const client = net.connect({ port: portOf(server), host: '127.0.0.1', allowHalfOpen: true })
    client.on('error', (error) => log.push(`error ${describeError(error)}`))
    client.resume()
    await new Promise<void>((resolve) => client.on('end', () => (log.push('end'), resolve())))
    client.write('x', (error) => log.push(`first write ${error === null || error === undefined ? 'ok' : describeError(error)}`))
    await wait(50)
    client.write('y', (error) => log.push(`second write ${error === null || error === undefined ? 'ok' : describeError(error)}`))
    await closed(client, log, 'client')
    server.close()
    return log
  },

  async 'operations on a destroyed socket'(net) {
    const log: string[] = []
    const server = await listen(net, (socket) => socket.resume())
    const client = net.connect(portOf(server), '127.0.0.1')
    await new Promise((resolve) => client.on('connect', resolve))
    client.on('error', (error) => log.push(`error ${describeError(error)}`))
    client.destroy()
    const result = (error: Error | null | undefined): string => (error === null || error === undefined ? 'ok' : describeError(error))
    client.write('x', (error) => log.push(`write callback ${result(error)}`))
    client.end('y', () => log.push('end callback'))
    client.resetAndDestroy()
    client.setTimeout(5)
    log.push(`address ${JSON.stringify(client.address())} pending ${client.pending} readyState ${client.readyState}`)
    await closed(client, log, 'client')
    log.push(`destroyed ${client.destroyed}`)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    log.push(`server listening ${server.listening}`)
    return log
  },

  async 'a closing server waits for its connections'(net) {
    const log: string[] = []
    let accepted: realNet.Socket | null = null
    const server = await listen(net, (socket) => {
      accepted = socket
      socket.resume()
    })
    const client = net.connect(portOf(server), '127.0.0.1')
    await new Promise((resolve) => client.on('connect', resolve))
    while (accepted === null) await new Promise((resolve) => setImmediateLike(net, resolve))
    const port = portOf(server)
    server.close(() => log.push('server closed'))
    server.getConnections((error, count) => log.push(`connections ${String(error)} ${count}`))
    log.push(`listening ${server.listening}`)
    const refused = net.connect(port, '127.0.0.1')
    refused.on('error', (error) => log.push(`second client ${describeError(error)}`))
    await closed(refused, log, 'second client')
    client.end()
    await closed(client, log, 'client')
    while (!log.includes('server closed')) await new Promise((resolve) => setImmediateLike(net, resolve))
    return log
  },

  async 'bad arguments throw at the call'(net) {
    const thrown = (call: () => unknown): string => {
      try {
        call()
      } catch (error) {
        return describeError(error as Error)
      }
      return 'no error'
    }
    return [
      thrown(() => net.connect(70_000, '127.0.0.1')),
      thrown(() => net.createServer().listen(-1)),
      thrown(() => new net.Socket().setTimeout(-5)),
    ]
  },
}

/** One turn of whichever loop runs the scenario (the simulated one inside a simulation). */
function setImmediateLike(net: Net, callback: (value: unknown) => void): void {
  if (net === realNet) setImmediate(callback)
  else wait_turn(callback)
}
let wait_turn: (callback: (value: unknown) => void) => void = (callback) => setImmediate(callback)

async function real(scenario: Scenario): Promise<string[]> {
  return scenario(realNet, (ms) => new Promise((resolve) => setTimeout(resolve, ms)))
}

async function simulated(scenario: Scenario): Promise<{ log: string[]; trace: string }> {
  let log: string[] = []
  const report = await run(
    async (sim) => {
      wait_turn = (callback) => sim.timers.setImmediate(callback)
      log = await scenario(simNet as unknown as Net, (ms) => new Promise((resolve) => sim.timers.setTimeout(resolve, ms)))
    },
    { seed: 11, network: { nodes: 1 } },
  )
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return { log, trace: report.traceText() }
}

const ports = (lines: string[]): string[] => lines.map((line) => line.replace(/:\d{2,5}\b/g, ':PORT'))

describe('node:net conformance: real sockets on 127.0.0.1 and the simulated network agree', () => {
  test.each(Object.keys(scenarios))('%s', async (name) => {
    const scenario = scenarios[name] as Scenario
    const expected = ports(await real(scenario))
    const { log } = await simulated(scenario)
    expect(ports(log)).toEqual(expected)
  })
})
