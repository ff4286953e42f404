import type { RequestOptions } from 'node:http'
import { describe, expect, test } from 'vitest'
import type { Simulation } from '../../sim/simulation.js'
import { BuggifyRate } from '../../world/buggify.js'
import http from '../modules/http.js'
import { inNet } from './test_support.js'

interface Outcome {
  status?: number
  body?: string
  headers?: string[]
  error?: { code: unknown; message: string; syscall?: unknown }
  at_ns: string
}

/** GET `url` from the current node and settle with the response or the error. */
function get(sim: Simulation, url: string, options: RequestOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = http.get(url, options, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode, body, headers: response.rawHeaders, at_ns: sim.world.clock.nowNsText() }))
    })
    request.on('error', (error: Error & { code?: unknown; syscall?: unknown }) =>
      resolve({ error: { code: error.code, message: error.message, syscall: error.syscall }, at_ns: sim.world.clock.nowNsText() }),
    )
  })
}

/** An http server on node 1 (host `db`) answering every request after `delay_ms` of simulated time. */
function serve(sim: Simulation, delay_ms = 0, port = 8080): void {
  sim.network.onNode(1, () => {
    http
      .createServer((request, response) => {
        setTimeoutOnNode(sim, delay_ms, () => {
          response.setHeader('Content-Type', 'text/plain')
          response.end(`hello ${request.url} from ${sim.network.currentNode()}`)
        })
      })
      .listen(port)
  })
}

function setTimeoutOnNode(sim: Simulation, delay_ms: number, callback: () => void): void {
  if (delay_ms === 0) callback()
  else sim.timers.setTimeout(callback, delay_ms)
}

describe('node:http over the simulated network', () => {
  test('a request and its response, with the Date header from the simulated clock', async () => {
    const { value } = await inNet(async (sim) => {
      serve(sim)
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 90_000)) // the Date header must say 00:01:30
      return get(sim, 'http://db:8080/x')
    })
    expect(value).toEqual({
      status: 200,
      body: 'hello /x from 1',
      headers: ['Content-Type', 'text/plain', 'Date', 'Mon, 01 Jan 2024 00:01:30 GMT', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Content-Length', '15'],
      at_ns: '90004000000',
    })
  })

  test('a partition: connect ETIMEDOUT after the SYN retries (127 s, as on Linux)', async () => {
    const { value } = await inNet(async (sim) => {
      serve(sim)
      sim.control.network.isolate(1)
      return get(sim, 'http://db:8080/')
    })
    expect(value).toEqual({ error: { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 10.0.0.2:8080', syscall: 'connect' }, at_ns: '127000000000' })
  })

  test('a partition during the exchange: a request timeout on the simulated clock, or read ETIMEDOUT after the retransmissions', async () => {
    const { value } = await inNet(async (sim) => {
      serve(sim, 50)
      const first = await get(sim, 'http://db:8080/first') // leaves a keep-alive connection in the agent's pool
      sim.control.network.partition([0], [1])
      const with_timeout = new Promise<Outcome>((resolve) => {
        const request = http.get('http://db:8080/slow', { timeout: 2000, agent: false }, () => resolve({ at_ns: 'unexpected response' }))
        request.on('timeout', () => request.destroy())
        request.on('error', (error: Error & { code?: unknown; syscall?: unknown }) =>
          resolve({ error: { code: error.code, message: error.message, syscall: error.syscall }, at_ns: sim.world.clock.nowNsText() }),
        )
      })
      // On the pooled connection: the request's bytes are retransmitted until the retries run out.
      const pooled = get(sim, 'http://db:8080/pooled')
      return [first.status, await with_timeout, await pooled]
    })
    expect(value).toEqual([
      200,
      { error: { code: 'ECONNRESET', message: 'socket hang up', syscall: undefined }, at_ns: '2054000000' },
      { error: { code: 'ETIMEDOUT', message: 'read ETIMEDOUT', syscall: 'read' }, at_ns: '924654000000' },
    ])
  })

  test('a reset: ECONNRESET while the response is awaited; a server that hangs up: socket hang up', async () => {
    const { value } = await inNet(async (sim) => {
      serve(sim, 100)
      sim.network.onNode(1, () => {
        http.createServer((request) => request.socket.destroy()).listen(9090)
      })
      const reset = get(sim, 'http://db:8080/')
      const hung_up = get(sim, 'http://db:9090/')
      await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
      expect(sim.control.network.resetConnections(1, 0)).toBe(2) // both ends of the one open connection
      return [await reset, await hung_up]
    })
    expect(value).toEqual([
      { error: { code: 'ECONNRESET', message: 'read ECONNRESET', syscall: 'read' }, at_ns: '10000000' },
      { error: { code: 'ECONNRESET', message: 'socket hang up', syscall: undefined }, at_ns: '4000000' },
    ])
  })

  test('under 20% loss and jitter the exchange still completes, later; the same seed gives the same trace', async () => {
    const options = {
      network: {
        nodes: 3,
        hosts: { db: 1 },
        faults: { loss_rate: BuggifyRate.percent(20), duplicate_rate: BuggifyRate.percent(5) },
      },
    }
    const scenario = async (sim: Simulation) => {
      serve(sim)
      const outcomes: Outcome[] = []
      for (let i = 0; i < 5; i++) outcomes.push(await get(sim, `http://db:8080/${i}`))
      return outcomes
    }
    const first = await inNet(scenario, options)
    const second = await inNet(scenario, options)
    expect(second.trace).toBe(first.trace)
    expect(first.value.map((outcome) => outcome.body)).toEqual([0, 1, 2, 3, 4].map((i) => `hello /${i} from 1`))
    expect(first.trace).toMatch(/reason=loss/)
    expect(first.trace).toMatch(/net\.retransmit|msg=syn:/)
  })
})
