import { createRequire } from 'node:module'
import type { Simulation } from '../../sim/simulation.js'
import { slot } from '../active.js'
import { simulatedOr } from '../builtins/module_proxy.js'
import { netContext, type NetContext } from './context.js'
import { lookup, lookupPromise } from './dns.js'
import { simulateServer } from './server.js'
import { normalizeArgs, SimSocket, type SimSocketOptions } from './socket.js'

/**
 * The members of node:net and node:dns served by the simulated network inside
 * a simulation (node:http's are in http.ts) (and the real modules', looked up at call time,
 * outside one). The builtin registry puts them over the real modules; every
 * other function member fails closed there.
 */

const require = createRequire(import.meta.url)
type NodeNet = typeof import('node:net')
const realNet = require('node:net') as NodeNet

/**
 * A class that is the real one outside a simulation and `inside(...)` within
 * one; `instanceof` accepts instances of both.
 */
export function switchClass<C extends Function>(Real: C, inside: (sim: Simulation, args: unknown[], new_target: Function) => object, also?: Function): C {
  const create = (args: unknown[], new_target: Function): object => {
    const sim = slot.simulation
    if (sim === null) return Reflect.construct(Real, args, new_target) as object
    return inside(sim, args, new_target)
  }
  const proxy: C = new Proxy(Real, {
    construct: (_target, args, new_target) => create(args, new_target === proxy ? Real : new_target),
    // net.Socket(), net.Server() and http.Server() work without `new`, as in Node.
    apply: (_target, _this, args) => create(args, Real),
    get(target, key, receiver) {
      if (key === Symbol.hasInstance && also !== undefined) {
        return (value: unknown) => value instanceof also || Function.prototype[Symbol.hasInstance].call(target, value)
      }
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  return proxy
}

export function context(sim: Simulation, api: string): NetContext {
  return netContext(sim, api)
}

/** net.connect / net.createConnection over the simulated network. */
export function createConnection(ctx: NetContext, args: unknown[]): SimSocket {
  const [options, listener] = normalizeArgs(args) as [SimSocketOptions, (() => void) | null]
  const socket = new SimSocket(ctx, options)
  return listener === null ? socket.connect(options) : socket.connect(options, listener)
}

function createServer(ctx: NetContext, args: unknown[]): object {
  return simulateServer(Reflect.construct(realNet.Server, args) as object, ctx)
}

export function netOverrides(): Record<string, unknown> {
  const overrides: Record<string, unknown> = {}
  for (const name of ['connect', 'createConnection'] as const) {
    overrides[name] = simulatedOr(realNet, name, (sim, args) => createConnection(context(sim, `net.${name}`), args))
  }
  overrides.createServer = simulatedOr(realNet, 'createServer', (sim, args) => createServer(context(sim, 'net.createServer'), args))
  overrides.Socket = switchClass(realNet.Socket, (sim, args) => new SimSocket(context(sim, 'net.Socket'), args[0] as SimSocketOptions), SimSocket)
  overrides.Stream = overrides.Socket
  overrides.Server = switchClass(realNet.Server, (sim, args, new_target) => simulateServer(Reflect.construct(realNet.Server, args, new_target) as object, context(sim, 'net.Server')))
  // Pure functions and values: no I/O, the same inside and outside.
  for (const name of ['isIP', 'isIPv4', 'isIPv6', 'SocketAddress', 'BlockList', '_normalizeArgs', 'getDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout']) {
    if (name in realNet) overrides[name] = (realNet as unknown as Record<string, unknown>)[name]
  }
  return overrides
}

// ---- dns ----------------------------------------------------------------------------------------

export function dnsOverrides(): Record<string, unknown> {
  const realDns = require('node:dns') as Record<string, unknown>
  const overrides: Record<string, unknown> = {
    lookup: simulatedOr(realDns, 'lookup', (sim, args) => lookup(sim, args)),
  }
  for (const name of ['getDefaultResultOrder', 'setDefaultResultOrder']) {
    if (typeof realDns[name] === 'function') overrides[name] = realDns[name]
  }
  return overrides
}

export function dnsPromisesOverrides(): Record<string, unknown> {
  const real = require('node:dns/promises') as Record<string, unknown>
  const overrides: Record<string, unknown> = {
    lookup: simulatedOr(real, 'lookup', (sim, args) => lookupPromise(sim, args)),
  }
  for (const name of ['getDefaultResultOrder', 'setDefaultResultOrder']) {
    if (typeof real[name] === 'function') overrides[name] = real[name]
  }
  return overrides
}

