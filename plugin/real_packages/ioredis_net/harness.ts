/**
 * What the ioredis scenarios share (docs/real-network.md): ioredis loaded through the CommonJS
 * require hook, the RESP server on node 1, a client on node 0 whose connection events are in the
 * trace with their simulated times.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Simulation } from '../../../src/sim/simulation.js'
import { installCjsHook } from '../../cjs_hook.js'
import { RespServer, type RespServerOptions } from './resp_server.js'

/**
 * ioredis and every dependency: @ioredis/commands, cluster-key-slot, denque, redis-errors and
 * standard-as-callback touch no timers, but nothing ioredis runs is left on the real platform;
 * debug and its ms are simulated for the same reason.
 */
export const IOREDIS_PACKAGES: readonly string[] = ['ioredis', '@ioredis/commands', 'cluster-key-slot', 'debug', 'ms', 'denque', 'redis-errors', 'standard-as-callback']
export const IOREDIS_VERSION = '6.0.0'
export const SERVER_NODE = 1
export const CLIENT_NODE = 0
export const PORT = 6379
/** The simulation's network: the client on node 0, the server on node 1, which answers to `redis`. */
export const NETWORK = { nodes: 2, hosts: { redis: SERVER_NODE } } as const

/** The part of ioredis's client the scenarios use (its own .d.ts would pull ioredis's types into the build). */
export interface RedisClient {
  readonly status: string
  on(event: string, listener: (...args: never[]) => void): this
  once(event: string, listener: (...args: never[]) => void): this
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<string>
  incr(key: string): Promise<number>
  del(key: string): Promise<number>
  ping(): Promise<string>
  connect(): Promise<void>
  disconnect(reconnect?: boolean): void
}
export type RedisClass = new (options: Record<string, unknown>) => RedisClient

/** The repository root: the nearest folder above this file with marionette-sim's package.json. */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && /"name":\s*"marionette-sim"/.test(readFileSync(manifest, 'utf8'))) return dir
    if (dirname(dir) === dir) throw new Error(`no marionette-sim package.json above ${from}`)
  }
}

/** ioredis, loaded through the CommonJS require hook (its files transformed for the simulated platform). */
export function loadIoredis(root: string = repoRoot()): RedisClass {
  installCjsHook(IOREDIS_PACKAGES)
  const require = createRequire(join(root, 'package.json'))
  const manifest = require('ioredis/package.json') as { version: string }
  if (manifest.version !== IOREDIS_VERSION) throw new Error(`ioredis ${IOREDIS_VERSION} expected, found ${manifest.version}`)
  return (require('ioredis') as { default: RedisClass }).default
}

/** Starts the RESP server on the server node. */
export async function startServer(sim: Simulation, options: RespServerOptions = {}): Promise<RespServer> {
  const server = new RespServer(sim.world, options)
  await sim.network.onNode(SERVER_NODE, () => server.listen(PORT))
  return server
}

/** The simulated time in ms (the clock starts at 0; ioredis's delays are in ms). */
export function nowMs(sim: Simulation): number {
  return Number(sim.world.clock.nowNs() / 1_000_000n)
}

export interface ClientEvent {
  readonly event: string
  readonly at_ms: number
  readonly arg: number | string | null
}

/**
 * A client on the client node (code outside `onNode` runs there already), with its connection
 * events recorded: `client.event client name at_ms arg` in the trace (`client` is `label`), and in
 * the returned list.
 */
export function startClient(sim: Simulation, Redis: RedisClass, options: Record<string, unknown>, label = 'app'): { redis: RedisClient; events: ClientEvent[] } {
  const events: ClientEvent[] = []
  const redis = new Redis({ host: 'redis', port: PORT, ...options })
  const note = (event: string, arg: number | string | null): void => {
    events.push({ event, at_ms: nowMs(sim), arg })
    sim.world.recordFields('client.event', { client: label, name: event, at_ms: nowMs(sim), arg: arg ?? 'none' })
  }
  for (const event of ['connecting', 'connect', 'ready', 'close', 'reconnecting', 'end']) {
    redis.on(event, (arg?: never) => note(event, typeof arg === 'number' ? arg : null))
  }
  redis.on('error', (error: never) => {
    const e = error as Error & { code?: string }
    note('error', e.code ?? e.message)
  })
  return { redis, events }
}

/** Settles `promise` as `{ ok, value | error }`, so a scenario can await a command that may fail. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string; name: string }> {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    const e = error as Error
    return { ok: false, error: e.message, name: e.name }
  }
}

/** Resolves after `ms` of simulated time (the harness's own timer, on the simulation's clock). */
export function sleep(sim: Simulation, ms: number): Promise<void> {
  return new Promise((resolve) => sim.timers.setTimeout(resolve, ms))
}
