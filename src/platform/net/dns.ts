import { createRequire } from 'node:module'
import { isLoopbackName } from '../../net/hosts.js'
import type { Simulation } from '../../sim/simulation.js'
import { invalidArgType } from '../fs/node_error.js'
import { netContext, type NetContext } from './context.js'
import { notFound } from './errors.js'

/**
 * dns.lookup inside a simulation: answered from the simulated network's host
 * table (`node<id>`, the `hosts` option, the nodes' addresses, `localhost`),
 * one loop turn later; a name the table does not hold is ENOTFOUND. The
 * simulated network has IPv4 addresses only.
 */

const require = createRequire(import.meta.url)
const realNet = require('node:net') as typeof import('node:net')

/** The address `host` resolves to for code on node `from`, or null. */
export function lookupNow(context: NetContext, host: string, from: number): string | null {
  if (realNet.isIPv4(host)) return host
  if (isLoopbackName(host)) return '127.0.0.1'
  const index = context.resolve(host, from)
  return index === -1 ? null : context.addressOf(index)
}

interface LookupRequest {
  hostname: string
  family: number
  all: boolean
}

function parse(args: unknown[]): { request: LookupRequest; callback: unknown } {
  const hostname = args[0]
  if (hostname !== undefined && hostname !== null && hostname !== '' && typeof hostname !== 'string') {
    throw invalidArgType('hostname', 'of type string', hostname)
  }
  let options = args[1]
  let callback = args[2]
  if (typeof options === 'function') {
    callback = options
    options = undefined
  }
  let family = 0
  let all = false
  if (typeof options === 'number') family = options
  else if (options !== null && typeof options === 'object') {
    const given = options as { family?: unknown; all?: unknown }
    if (given.family === 'IPv4') family = 4
    else if (given.family === 'IPv6') family = 6
    else if (typeof given.family === 'number') family = given.family
    all = given.all === true
  }
  return { request: { hostname: typeof hostname === 'string' ? hostname : '', family, all }, callback }
}

function answer(sim: Simulation, request: LookupRequest, api: string): { error: Error | null; address: string | null } {
  const context = netContext(sim, api)
  if (request.hostname === '') return { error: null, address: null }
  if (request.family === 6) {
    return realNet.isIPv6(request.hostname) ? { error: null, address: request.hostname } : { error: notFound(request.hostname), address: null }
  }
  const address = lookupNow(context, request.hostname, context.currentIndex())
  return address === null ? { error: notFound(request.hostname), address: null } : { error: null, address }
}

function familyOf(address: string | null): number {
  return address !== null && realNet.isIPv6(address) ? 6 : 4
}

/** dns.lookup(hostname[, options], callback). */
export function lookup(sim: Simulation, args: unknown[]): void {
  const { request, callback } = parse(args)
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
  const { error, address } = answer(sim, request, 'dns.lookup')
  sim.loop.after(0, 'dns.lookup', () => {
    if (error !== null) callback(error)
    else if (request.all) callback(null, address === null ? [] : [{ address, family: familyOf(address) }])
    else callback(null, address, familyOf(address))
  })
}

/** dns.promises.lookup(hostname[, options]). */
export function lookupPromise(sim: Simulation, args: unknown[]): Promise<unknown> {
  const { request } = parse(args)
  const { error, address } = answer(sim, request, 'dns.promises.lookup')
  return new Promise((resolve, reject) => {
    sim.loop.after(0, 'dns.lookup', () => {
      if (error !== null) reject(error)
      else if (request.all) resolve(address === null ? [] : [{ address, family: familyOf(address) }])
      else resolve({ address, family: familyOf(address) })
    })
  })
}
