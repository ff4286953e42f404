/**
 * Scripted checks of what ioredis 6.0.0 documents about connection loss (docs/real-network.md),
 * each one simulation: the real ioredis on node 0, the RESP server on node 1, and one fault put
 * exactly where the contract speaks. Every measured figure is on the simulated clock, so the
 * checks compare exact milliseconds.
 *
 * Each contract returns its observations; `held` says whether the documented behaviour was seen,
 * and `detail` the figures (with the finding, where the behaviour goes past what is documented).
 */
import { Latency } from '../../../src/net/index.js'
import { run, type RunReport } from '../../../src/run/index.js'
import type { Simulation } from '../../../src/sim/simulation.js'
import { NETWORK, nowMs, settle, sleep, startClient, startServer, type ClientEvent, type RedisClass, type RedisClient } from './harness.js'
import type { RespServer } from './resp_server.js'

export interface ContractResult {
  readonly name: string
  readonly held: boolean
  readonly detail: Record<string, unknown>
}

type Contract = (Redis: RedisClass, sim: Simulation) => Promise<ContractResult>

function ready(redis: RedisClient): Promise<void> {
  return redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', () => resolve()))
}

function nextEvent(redis: RedisClient, event: string): Promise<void> {
  return new Promise((resolve) => redis.once(event, () => resolve()))
}

async function restart(sim: Simulation, server: RespServer): Promise<void> {
  await sim.network.onNode(1, () => server.listen(6379))
}

/** 'reconnecting' delays and the gap from each to the next connection attempt ('connecting'). */
function retryGaps(events: readonly ClientEvent[]): { delay_ms: number; gap_ms: number | null }[] {
  const gaps: { delay_ms: number; gap_ms: number | null }[] = []
  events.forEach((event, i) => {
    if (event.event !== 'reconnecting') return
    const next = events.slice(i + 1).find((e) => e.event === 'connecting')
    gaps.push({ delay_ms: event.arg as number, gap_ms: next === undefined ? null : next.at_ms - event.at_ms })
  })
  return gaps
}

/**
 * README "Auto-reconnect": "the return value represents how long (in ms) to wait to reconnect ...
 * When the return value isn't a number, ioredis will stop trying to reconnect".
 */
const retryStrategy: Contract = async (Redis, sim) => {
  const delays = [120, 370, 1000]
  const asked: number[] = []
  const server = await startServer(sim)
  const { redis, events } = startClient(sim, Redis, {
    retryStrategy: (times: number) => {
      asked.push(times)
      return delays[times - 1] ?? null
    },
  })
  await ready(redis)
  sim.control.network.resetConnections(1)
  await nextEvent(redis, 'ready')
  const after_reset = await settle(redis.set('a', '1'))
  // Now the server goes away: attempts are refused until the strategy gives up.
  server.close()
  await nextEvent(redis, 'end')
  const after_end = await settle(redis.get('a'))
  const gaps = retryGaps(events)
  const held =
    after_reset.ok &&
    JSON.stringify(asked) === JSON.stringify([1, 1, 2, 3, 4]) &&
    gaps.every((g) => g.gap_ms === g.delay_ms) &&
    gaps.map((g) => g.delay_ms).join(',') === '120,120,370,1000' &&
    !after_end.ok &&
    after_end.error === 'Connection is closed.'
  return { name: 'retry_strategy', held, detail: { asked, gaps, after_end } }
}

/**
 * README "Offline Queue": a command that "can't be processed by Redis (being sent before the
 * `ready` event) ... is added to the offline queue and will be executed when it can be processed";
 * RedisOptions.enableOfflineQueue: "If this option is false ... an error will be returned."
 */
const offlineQueue: Contract = async (Redis, sim) => {
  const server = await startServer(sim)
  const queued = startClient(sim, Redis, { retryStrategy: () => 200 }, 'queued')
  const refusing = startClient(sim, Redis, { retryStrategy: () => 200, enableOfflineQueue: false }, 'refusing')
  await Promise.all([ready(queued.redis), ready(refusing.redis)])
  server.close()
  await Promise.all([nextEvent(queued.redis, 'reconnecting'), nextEvent(refusing.redis, 'reconnecting')])
  const issued_at_ms = nowMs(sim)
  const queued_set = queued.redis.set('offline', 'queued').then((value) => ({ value, at_ms: nowMs(sim) }))
  const refused_set = await settle(refusing.redis.set('offline', 'refused'))
  const refused_at_ms = nowMs(sim)
  await sleep(sim, 1000)
  const applied_before_restart = server.databases[0]!.get('offline') ?? null
  await restart(sim, server)
  const reply = await queued_set
  const ready_at_ms = queued.events.filter((e) => e.event === 'ready').at(-1)!.at_ms
  const held =
    applied_before_restart === null &&
    reply.value === 'OK' &&
    reply.at_ms >= ready_at_ms &&
    server.databases[0]!.get('offline') === 'queued' &&
    !refused_set.ok &&
    refused_set.error === "Stream isn't writeable and enableOfflineQueue options is false" &&
    refused_at_ms === issued_at_ms
  queued.redis.disconnect()
  refusing.redis.disconnect()
  server.close()
  return { name: 'offline_queue', held, detail: { issued_at_ms, reply, ready_at_ms, refused_set, refused_at_ms } }
}

/**
 * README "Auto-reconnect": "By default, all pending commands will be flushed with an error every
 * 20 retry attempts"; RedisOptions.maxRetriesPerRequest: "how many reconnection attempts should be
 * allowed before the queue is flushed with a `MaxRetriesPerRequestError` error".
 *
 * Two commands: `early` queued right after the connection is lost, `late` after the first refused
 * attempt. The count is the client's, not the command's: both are flushed together, `late` after
 * one attempt instead of two.
 */
const maxRetriesPerRequest: Contract = async (Redis, sim) => {
  const server = await startServer(sim)
  const { redis, events } = startClient(sim, Redis, { retryStrategy: () => 100, maxRetriesPerRequest: 2 })
  await ready(redis)
  server.close()
  await nextEvent(redis, 'reconnecting')
  const attempts = (): number => events.filter((e) => e.event === 'connecting').length - 1
  const early_from = attempts()
  const early = settle(redis.get('k')).then((r) => ({ ...r, attempts_seen: attempts() - early_from, at_ms: nowMs(sim) }))
  await nextEvent(redis, 'reconnecting')
  const late_from = attempts()
  const late = settle(redis.get('k')).then((r) => ({ ...r, attempts_seen: attempts() - late_from, at_ms: nowMs(sim) }))
  const [early_result, late_result] = await Promise.all([early, late])
  redis.disconnect()
  server.close()
  const message = 'Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.'
  const held =
    !early_result.ok &&
    early_result.name === 'MaxRetriesPerRequestError' &&
    early_result.error === message &&
    early_result.attempts_seen === 2 &&
    !late_result.ok &&
    late_result.name === 'MaxRetriesPerRequestError' &&
    late_result.at_ms === early_result.at_ms
  return { name: 'max_retries_per_request', held, detail: { early: early_result, late: late_result } }
}

/**
 * README "Auto-reconnect": "if the previous connection has some unfulfilled commands ... the
 * client will resend them when reconnected. This behavior can be disabled by setting the
 * `autoResendUnfulfilledCommands` option to `false`."
 *
 * Each hop takes 10 ms. An INCR is reset in flight twice: before it reaches the server (5 ms), and
 * after the server applied it but before the reply came back (15 ms).
 */
const autoResend: Contract = async (Redis, sim) => {
  const server = await startServer(sim)
  sim.control.network.setLatency(Latency.fixed(10_000_000))
  const inFlight = async (redis: RedisClient, key: string, reset_after_ms: number): Promise<{ reply: Awaited<ReturnType<typeof settle<number>>> | 'pending after 30 s'; applied: number }> => {
    const reply = settle(redis.incr(key))
    await sleep(sim, reset_after_ms)
    sim.control.network.resetConnections(0, 1)
    const outcome = await Promise.race([reply, sleep(sim, 30_000).then(() => 'pending after 30 s' as const)])
    return { reply: outcome, applied: Number(server.databases[0]!.get(key) ?? '0') }
  }
  const resend = startClient(sim, Redis, { retryStrategy: () => 50 }, 'resend')
  await ready(resend.redis)
  const before_server = await inFlight(resend.redis, 'before', 5)
  const after_apply = await inFlight(resend.redis, 'after', 15)
  resend.redis.disconnect()
  // The same, with the option off (a second client, alone on the network).
  const no_resend = startClient(sim, Redis, { retryStrategy: () => 50, autoResendUnfulfilledCommands: false }, 'no_resend')
  await ready(no_resend.redis)
  const not_resent = await inFlight(no_resend.redis, 'unsent', 15)
  const still_serves = await settle(no_resend.redis.get('unsent'))
  no_resend.redis.disconnect()
  server.close()
  const value = (r: (typeof before_server)['reply']): unknown => (r === 'pending after 30 s' ? r : r.ok ? r.value : r.error)
  const held = value(before_server.reply) === 1 && before_server.applied === 1 && value(after_apply.reply) === 2 && after_apply.applied === 2
  return {
    name: 'auto_resend_unfulfilled_commands',
    held,
    detail: { before_server, after_apply, not_resent, still_serves, finding: 'resent after the server applied it: applied twice; with the option off the command never settles' },
  }
}

/** RedisOptions.connectTimeout: "How long the client will wait before killing a socket due to inactivity during initial connection." */
const connectTimeout: Contract = async (Redis, sim) => {
  const server = await startServer(sim)
  sim.control.network.partition([0], [1])
  const { redis, events } = startClient(sim, Redis, { connectTimeout: 500, retryStrategy: () => 1000 })
  const queued = settle(redis.get('k'))
  sim.timers.setTimeout(() => sim.control.network.heal(), 2000)
  await ready(redis)
  const reply = await queued
  redis.disconnect()
  server.close()
  const connecting = events.filter((e) => e.event === 'connecting').map((e) => e.at_ms)
  const timeouts = events.filter((e) => e.event === 'error').map((e) => ({ code: e.arg, at_ms: e.at_ms }))
  const held =
    timeouts.length === 2 &&
    timeouts.every((t, i) => t.code === 'ETIMEDOUT' && t.at_ms === connecting[i]! + 500) &&
    reply.ok &&
    reply.value === null
  return { name: 'connect_timeout', held, detail: { connecting, timeouts, ready_at_ms: events.find((e) => e.event === 'ready')?.at_ms, reply } }
}

/**
 * RedisOptions.commandTimeout: "If a command does not return a reply within a set number of
 * milliseconds, a "Command timed out" error will be thrown." The partition is healed after the
 * timeout: TCP still delivers the request, and the server applies it.
 */
const commandTimeout: Contract = async (Redis, sim) => {
  const server = await startServer(sim)
  const { redis } = startClient(sim, Redis, { commandTimeout: 300 })
  await ready(redis)
  sim.control.network.partition([0], [1])
  const issued_at_ms = nowMs(sim)
  const timed_out = await settle(redis.incr('slow'))
  const failed_at_ms = nowMs(sim)
  sim.control.network.heal()
  await sleep(sim, 2000)
  const read_after = await settle(redis.get('slow'))
  redis.disconnect()
  server.close()
  const held = !timed_out.ok && timed_out.error === 'Command timed out' && failed_at_ms - issued_at_ms === 300
  return { name: 'command_timeout', held, detail: { timed_out, elapsed_ms: failed_at_ms - issued_at_ms, read_after, applied_after_timeout: server.databases[0]!.get('slow') ?? null } }
}

export const CONTRACTS: readonly (readonly [string, Contract])[] = [
  ['retry_strategy', retryStrategy],
  ['offline_queue', offlineQueue],
  ['max_retries_per_request', maxRetriesPerRequest],
  ['auto_resend_unfulfilled_commands', autoResend],
  ['connect_timeout', connectTimeout],
  ['command_timeout', commandTimeout],
]

export interface ContractRun {
  readonly result: ContractResult | null
  readonly report: RunReport
}

/** Runs one contract in its own simulation (seed 1, replayed: the trace bytes must match). */
export async function runContract(Redis: RedisClass, name: string): Promise<ContractRun> {
  const entry = CONTRACTS.find(([n]) => n === name)
  if (entry === undefined) throw new Error(`no contract ${name}`)
  let result: ContractResult | null = null
  const report = await run(
    async (sim) => {
      result = await entry[1](Redis, sim)
      sim.check(`ioredis.${name}`, () => (result!.held ? true : JSON.stringify(result!.detail)))
    },
    { seed: 1, name: `ioredis_${name}`, network: NETWORK },
  )
  return { result, report }
}
