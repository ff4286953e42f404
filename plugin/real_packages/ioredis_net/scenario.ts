/**
 * One seed of the ioredis network sweep (docs/real-network.md): the real, unmodified ioredis 6.0.0
 * on node 0 issues INCRs to the RESP server on node 1 while the network drops, delays and
 * duplicates packets, connections are reset at seeded times and the nodes are partitioned for
 * seeded spans. Op `i` increments its own key `op:i`, so the server's store says how many times
 * each command was applied; the sum over the keys is the application's counter.
 *
 * What ioredis documents, and the sweep checks (README "Auto-reconnect"): after a lost connection
 * it reconnects and resends the commands that had no reply. So a command whose reply arrived was
 * applied (at least once: its reply is one of its applications), a command may be applied again
 * for each connection it was sent on, and one that failed (commandTimeout, MaxRetriesPerRequest)
 * may have been applied or not. Applied twice is documented behaviour (at-least-once), counted as
 * a finding; an acknowledged command never applied, or applied more times than there were
 * connections, breaks the contract.
 */
import { Latency } from '../../../src/net/index.js'
import type { Simulation } from '../../../src/sim/simulation.js'
import type { Random } from '../../../src/world/index.js'
import { BuggifyRate } from '../../../src/world/index.js'
import { CLIENT_NODE, SERVER_NODE, settle, sleep, startClient, startServer, type ClientEvent, type RedisClass } from './harness.js'

/** The fault window: resets and partitions start inside it; the workload issues inside it too. */
export const WINDOW_MS = 3000
const MAX_OPS = 60
/** A bound on the wait for every command to settle: far past any partition plus ioredis's retries. */
const SETTLE_LIMIT_MS = 600_000

export interface Profile {
  readonly latency_min_ms: number
  readonly latency_jitter_ms: number
  readonly loss_percent: number
  readonly duplicate_percent: number
  readonly resets_at_ms: readonly number[]
  readonly partitions: readonly { readonly at_ms: number; readonly duration_ms: number }[]
  /** ioredis's commandTimeout, or null (the default: none). */
  readonly command_timeout_ms: number | null
  /** ioredis's maxRetriesPerRequest (20 is the default). */
  readonly max_retries_per_request: number
  readonly ops: number
}

export function drawProfile(random: Random): Profile {
  const sorted = (values: number[]): number[] => values.sort((a, b) => a - b)
  const latency_min_ms = random.intLessThan(6)
  const latency_jitter_ms = random.intLessThan(21)
  const loss_percent = random.intLessThan(2) === 0 ? 0 : random.intBetween(1, 10)
  const duplicate_percent = random.intLessThan(4) === 0 ? random.intBetween(1, 5) : 0
  const resets_at_ms = sorted(Array.from({ length: random.intLessThan(5) }, () => random.intLessThan(WINDOW_MS)))
  const partitions = Array.from({ length: random.intLessThan(3) }, () => ({ at_ms: random.intLessThan(WINDOW_MS), duration_ms: random.intBetween(50, 4000) })).sort((a, b) => a.at_ms - b.at_ms)
  const command_timeout_ms = random.intLessThan(2) === 0 ? null : random.intBetween(200, 2000)
  const max_retries_per_request = [20, 20, 1, 0][random.intLessThan(4)]!
  const ops = random.intBetween(10, MAX_OPS)
  return { latency_min_ms, latency_jitter_ms, loss_percent, duplicate_percent, resets_at_ms, partitions, command_timeout_ms, max_retries_per_request, ops }
}

export interface OpResult {
  /** The reply (INCR's value), or the error message. */
  readonly reply: number | string
  readonly ok: boolean
  /** Times the server applied it (the value of its key at the end). */
  readonly applied: number
}

export interface SeedResult {
  readonly profile: Profile
  readonly ops: readonly OpResult[]
  /** Connections the server accepted (each a chance to apply a resent command). */
  readonly connections: number
  /** 'reconnecting' events: each one's delay checked against the default retryStrategy. */
  readonly reconnects: number
  readonly violations: readonly string[]
}

/**
 * README "Auto-reconnect", of the default `retryStrategy`: "exponential backoff capped at 5
 * seconds and adds up to 199 milliseconds of random jitter", `Math.min(Math.pow(2, times - 1) *
 * 50, 5000)` plus the jitter, where `times` counts the attempts since the last ready connection;
 * and the next attempt starts that many ms after the 'reconnecting' event.
 */
export function checkRetryDelays(events: readonly ClientEvent[]): string[] {
  const violations: string[] = []
  let times = 0
  events.forEach((event, i) => {
    if (event.event === 'ready') times = 0
    if (event.event !== 'reconnecting') return
    times++
    const delay = event.arg as number
    const base = Math.min(Math.pow(2, times - 1) * 50, 5000)
    if (!(delay >= base && delay <= base + 199)) violations.push(`reconnect ${times} at ${event.at_ms} ms: delay ${delay} outside [${base}, ${base + 199}]`)
    const next = events.slice(i + 1).find((e) => e.event === 'connecting' || e.event === 'end')
    if (next?.event === 'connecting' && next.at_ms - event.at_ms !== delay) violations.push(`reconnect ${times}: attempted ${next.at_ms - event.at_ms} ms after 'reconnecting' ${delay}`)
  })
  return violations
}

/**
 * The scenario of one seed; `report` receives its result before the checks run. With
 * `rollback_on_reset` the server is the negative control's broken one (resp_server.ts).
 */
export function ioredisNetScenario(Redis: RedisClass, report: (result: SeedResult) => void, options: { rollback_on_reset?: boolean } = {}): (sim: Simulation) => Promise<void> {
  return async (sim) => {
    const world = sim.world
    const profile = drawProfile(world.random('ioredis.profile'))
    world.recordFields('ioredis.profile', {
      latency: `${profile.latency_min_ms}+${profile.latency_jitter_ms}ms`,
      loss_percent: profile.loss_percent,
      duplicate_percent: profile.duplicate_percent,
      resets_at_ms: profile.resets_at_ms.join(',') || 'none',
      partitions: profile.partitions.map((p) => `${p.at_ms}+${p.duration_ms}`).join(',') || 'none',
      command_timeout_ms: profile.command_timeout_ms ?? 'none',
      max_retries_per_request: profile.max_retries_per_request,
      ops: profile.ops,
    })
    const network = sim.control.network
    network.setLatency(Latency.uniform(profile.latency_min_ms * 1_000_000, profile.latency_jitter_ms * 1_000_000))
    network.setLossiness({
      loss_rate: profile.loss_percent === 0 ? BuggifyRate.never() : BuggifyRate.percent(profile.loss_percent),
      duplicate_rate: profile.duplicate_percent === 0 ? BuggifyRate.never() : BuggifyRate.percent(profile.duplicate_percent),
    })
    const server = await startServer(sim, { rollback_on_reset: options.rollback_on_reset ?? false })
    // The faults, on the harness's timers: resets cut every connection; partitions cut both ways.
    for (const at_ms of profile.resets_at_ms) sim.timers.setTimeout(() => network.resetConnections(SERVER_NODE), at_ms)
    let cuts = 0
    for (const partition of profile.partitions) {
      sim.timers.setTimeout(() => {
        cuts++
        network.partition([CLIENT_NODE], [SERVER_NODE])
      }, partition.at_ms)
      // Overlapping partitions: the network is whole again when the last one ends.
      sim.timers.setTimeout(() => {
        if (--cuts === 0) network.heal()
      }, partition.at_ms + partition.duration_ms)
    }

    const { redis, events } = startClient(sim, Redis, {
      maxRetriesPerRequest: profile.max_retries_per_request,
      ...(profile.command_timeout_ms === null ? {} : { commandTimeout: profile.command_timeout_ms }),
    })
    const workload = world.random('ioredis.workload')
    const gap_ms = Math.max(1, Math.floor(WINDOW_MS / profile.ops))
    const pending: Promise<{ ok: true; value: number } | { ok: false; error: string; name: string }>[] = []
    for (let i = 0; i < profile.ops; i++) {
      world.record('ioredis.issue', { op: i })
      pending.push(
        settle(redis.incr(`op:${i}`)).then((outcome) => {
          world.recordFields('ioredis.reply', { op: i, ...(outcome.ok ? { value: outcome.value } : { error: outcome.error }) })
          return outcome
        }),
      )
      await sleep(sim, workload.intLessThan(2 * gap_ms))
    }
    const outcomes = await Promise.race([Promise.all(pending), sleep(sim, SETTLE_LIMIT_MS).then(() => null)])
    // Every fault is over by now (the last partition ends within WINDOW_MS + 4 s).
    redis.disconnect()
    server.close()
    if (outcomes === null) throw new Error(`ioredis sweep: commands still unsettled after ${SETTLE_LIMIT_MS} ms`)

    const db = server.databases[0]!
    const ops: OpResult[] = outcomes.map((outcome, i) => ({
      ok: outcome.ok,
      reply: outcome.ok ? outcome.value : outcome.error,
      applied: Number(db.get(`op:${i}`) ?? '0'),
    }))
    const connections = server.accepted
    const violations: string[] = []
    ops.forEach((op, i) => {
      if (op.ok && op.applied === 0) violations.push(`op ${i}: acknowledged (${op.reply}) but never applied`)
      if (op.ok && (typeof op.reply !== 'number' || op.reply < 1 || op.reply > op.applied)) violations.push(`op ${i}: reply ${op.reply} is none of its ${op.applied} applications`)
      if (op.applied > connections) violations.push(`op ${i}: applied ${op.applied} times over ${connections} connections`)
    })
    violations.push(...checkRetryDelays(events))
    const applied_total = ops.reduce((n, op) => n + op.applied, 0)
    world.record('ioredis.result', {
      ops: ops.length,
      acknowledged: ops.filter((op) => op.ok).length,
      failed: ops.filter((op) => !op.ok).length,
      applied_total,
      duplicated: ops.filter((op) => op.applied > 1).length,
      connections,
    })
    report({ profile, ops, connections, reconnects: events.filter((e) => e.event === 'reconnecting').length, violations })
    sim.check('ioredis.acknowledged_commands_applied', () => (violations.length === 0 ? true : violations.join('; ')))
  }
}
