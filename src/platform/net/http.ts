import { createRequire } from 'node:module'
import type { Simulation } from '../../sim/simulation.js'
import { slot } from '../active.js'
import { simulatedOr } from '../builtins/module_proxy.js'
import { real } from '../real.js'
import type { NetContext } from './context.js'
import { context, createConnection, switchClass } from './module.js'
import { simulateServer } from './server.js'

/**
 * The members of node:http served by the simulated network inside a
 * simulation: Node's own ClientRequest, Server, ServerResponse and Agent, with
 * the simulated sockets under them (agents open their connections through
 * the simulated `net.createConnection`, servers listen through the simulated
 * `listen`), and the `Date` header read from the simulated clock.
 */

const require = createRequire(import.meta.url)
const realHttp = require('node:http') as typeof import('node:http')

type AnyFunction = (...args: unknown[]) => unknown

const agents = new WeakMap<Simulation, import('node:http').Agent>()

let SimulatedAgentClass: Function | null = null

/** Makes `agent` open its sockets on the simulated network (unless its class brings its own createConnection). */
function simulatedAgent<A extends import('node:http').Agent>(agent: A, ctx: NetContext): A {
  if (agent.constructor === realHttp.Agent && SimulatedAgentClass !== null) {
    // `agent: false` makes Node build `new defaultAgent.constructor()`: that must be a simulated agent too.
    Object.defineProperty(agent, 'constructor', { value: SimulatedAgentClass, writable: true, configurable: true, enumerable: false })
  }
  const own = (agent as unknown as { createConnection: unknown }).createConnection
  if (own === (realHttp.Agent.prototype as unknown as { createConnection: unknown }).createConnection) {
    Object.defineProperty(agent, 'createConnection', {
      value: (options: unknown, callback: unknown) => createConnection(ctx, typeof callback === 'function' ? [options, callback] : [options]),
      writable: true,
      configurable: true,
      enumerable: false,
    })
  }
  return agent
}

/** The simulation's default agent: Node 20's globalAgent settings (keep-alive, lifo, 5 s idle timeout). */
function defaultAgent(sim: Simulation, ctx: NetContext): import('node:http').Agent {
  let agent = agents.get(sim)
  if (agent === undefined) {
    agent = simulatedAgent(new realHttp.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 }), ctx)
    agents.set(sim, agent)
  }
  return agent
}

/** ClientRequest's arguments with the simulation's agent as the default (and in place of agents from outside). */
function withAgent(sim: Simulation, ctx: NetContext, args: unknown[]): unknown[] {
  const forwarded = [...args]
  let at = 0
  if (typeof forwarded[0] === 'string' || forwarded[0] instanceof URL) {
    at = 1
    if (forwarded[1] === null || typeof forwarded[1] !== 'object') forwarded.splice(1, 0, {})
  } else if (forwarded[0] === null || forwarded[0] === undefined) {
    forwarded[0] = {}
  }
  const options = forwarded[at]
  if (options === null || typeof options !== 'object') return args // Node rejects it with its own error.
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) }
  const agent = defaultAgent(sim, ctx)
  copy._defaultAgent ??= agent
  const given = copy.agent
  if (given instanceof realHttp.Agent && !Object.prototype.hasOwnProperty.call(given, 'createConnection') && given.createConnection === realHttp.Agent.prototype.createConnection) {
    // An agent made outside the simulation (http.globalAgent) would open real sockets.
    copy.agent = agent
  }
  forwarded[at] = copy
  return forwarded
}

const dated = new WeakMap<Function, Function>()
let out_headers: symbol | undefined

/** A ServerResponse class whose `Date` header reads the simulated clock (Node's reads the real one, cached by a real timer). */
function datedResponse(Base: typeof import('node:http').ServerResponse): Function {
  let Dated = dated.get(Base)
  if (Dated !== undefined) return Dated
  class SimulatedDateResponse extends Base {
    _storeHeader(first_line: string, headers: unknown): void {
      const sim = slot.simulation
      const self = this as unknown as { sendDate: boolean; _storeHeader: (line: string, headers: unknown) => void }
      if (sim === null || !self.sendDate || hasDate(headers)) return Reflect.apply((Base.prototype as unknown as { _storeHeader: AnyFunction })._storeHeader, this, [first_line, headers]) as void
      const date = new real.Date(sim.world.clock.wallMs()).toUTCString()
      self.sendDate = false
      try {
        Reflect.apply((Base.prototype as unknown as { _storeHeader: AnyFunction })._storeHeader, this, [first_line, appendDate(this, headers, date)])
      } finally {
        self.sendDate = true
      }
    }
  }
  Dated = SimulatedDateResponse
  dated.set(Base, Dated)
  return Dated
}

function hasDate(headers: unknown): boolean {
  if (headers === null || headers === undefined) return false
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) return headers.some((entry: unknown[]) => String(entry[0]).toLowerCase() === 'date')
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'date') return true
    return false
  }
  return Object.keys(headers as object).some((key) => key.toLowerCase() === 'date')
}

/** The headers `_storeHeader` gets, with `Date` last among them (where Node writes its own). */
function appendDate(response: object, headers: unknown, date: string): unknown {
  if (headers === null || headers === undefined) return ['Date', date]
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) return [...(headers as unknown[]), ['Date', date]]
    return [...(headers as unknown[]), 'Date', date]
  }
  out_headers ??= Object.getOwnPropertySymbols(response).find((symbol) => symbol.description === 'kOutHeaders')
  if (out_headers !== undefined && headers === (response as Record<symbol, unknown>)[out_headers]) {
    // setHeader's table ({ key: [name, value] }) as a flat list: the names as set, then Date.
    const flat: unknown[] = []
    for (const entry of Object.values(headers as Record<string, [string, unknown]>)) flat.push(entry[0], entry[1])
    return [...flat, 'Date', date]
  }
  return { ...(headers as object), Date: date }
}

function serverArgs(args: unknown[]): unknown[] {
  const [first, second] = args
  if (typeof first === 'function') return [{ ServerResponse: datedResponse(realHttp.ServerResponse) }, first]
  if (first === undefined || first === null) return [{ ServerResponse: datedResponse(realHttp.ServerResponse) }, ...(second === undefined ? [] : [second])]
  if (typeof first !== 'object') return args // Node rejects it.
  const options = first as { ServerResponse?: typeof import('node:http').ServerResponse }
  return [{ ...options, ServerResponse: datedResponse(options.ServerResponse ?? realHttp.ServerResponse) }, ...args.slice(1)]
}

const interval_symbol = { value: undefined as symbol | undefined }

/** An http.Server on the simulated network. */
function httpServer(sim: Simulation, args: unknown[], new_target: Function): object {
  const ctx = context(sim, 'http.Server')
  const server = Reflect.construct(realHttp.Server, serverArgs(args), new_target) as import('node:http').Server
  simulateServer(server, ctx)
  // Node's header/request timeout checker is a real interval reading the real clock: replace it by nothing
  // (headersTimeout and requestTimeout are not enforced in a simulation; keepAliveTimeout and timeout are).
  server.on('listening', () => {
    interval_symbol.value ??= Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connectionsCheckingInterval')
    const key = interval_symbol.value
    if (key === undefined) return
    const interval = (server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key]
    if (interval !== undefined) real.clearInterval(interval)
  })
  return server
}

export function httpOverrides(): Record<string, unknown> {
  const overrides: Record<string, unknown> = {}
  const RealClientRequest = realHttp.ClientRequest as unknown as Function
  const ClientRequest = switchClass(RealClientRequest, (sim, args, new_target) => {
    const ctx = context(sim, 'http.request')
    return Reflect.construct(RealClientRequest, withAgent(sim, ctx, args), new_target) as object
  })
  overrides.ClientRequest = ClientRequest
  overrides.request = simulatedOr(realHttp, 'request', (_sim, args) => Reflect.construct(ClientRequest, args))
  overrides.get = simulatedOr(realHttp, 'get', (_sim, args) => {
    const request = Reflect.construct(ClientRequest, args) as import('node:http').ClientRequest
    request.end()
    return request
  })
  const Server = switchClass(realHttp.Server, httpServer)
  overrides.Server = Server
  overrides.createServer = simulatedOr(realHttp, 'createServer', (_sim, args) => Reflect.construct(Server, args))
  overrides.Agent = switchClass(realHttp.Agent, (sim, args, new_target) =>
    simulatedAgent(Reflect.construct(realHttp.Agent, args, new_target) as import('node:http').Agent, context(sim, 'http.Agent')),
  )
  SimulatedAgentClass = overrides.Agent as Function
  // No I/O: messages, validation, parser pool size.
  for (const name of ['IncomingMessage', 'OutgoingMessage', 'ServerResponse', 'validateHeaderName', 'validateHeaderValue', 'setMaxIdleHTTPParsers', '_connectionListener']) {
    if (name in realHttp) overrides[name] = (realHttp as unknown as Record<string, unknown>)[name]
  }
  return overrides
}

