/**
 * The seeds' parity test: the same replica and writer code, built by the same
 * `buildCluster`, once on the simulated network inside a run and once on real
 * TCP sockets over loopback with real timers (outside any simulation), given
 * the same scripted writes, ends with the same register state on every replica
 * and the same write results.
 */
import { describe, expect, it } from 'vitest'
import { runCase } from '../../src/run/run.js'
import { productionEnv } from '../../src/sim/env.js'
import { recorderOf } from '../recorder.js'
import type { WriteOptions, WriteResult } from './client.js'
import { buildCluster, snapshot, startCluster, type Cluster, type ReplicaSnapshot } from './cluster.js'
import { describeMessage, registerCodec, type RegisterMessage } from './messages.js'
import { LoopbackNetwork } from './loopback_network.js'
import { REGISTER_NETWORK } from './scenario.js'

/** Long enough that no attempt times out on a loaded machine: parity is about outcomes, not timing. */
const OPTIONS = { attempt_timeout_ms: 5_000 }

/** A write, a conflicting value for the same version (rejected everywhere), then a newer version. */
const WRITES: readonly WriteOptions[] = [
  { version: 1, value: 41, retry_limit: 2 },
  { version: 1, value: 42, retry_limit: 1 },
  { version: 2, value: 43, retry_limit: 2 },
]

interface Outcome {
  readonly results: WriteResult[]
  readonly replicas: ReplicaSnapshot[]
  readonly safe: true | string
}

async function script(cluster: Cluster, check: () => true | string): Promise<Outcome> {
  startCluster(cluster)
  const results: WriteResult[] = []
  for (const write of WRITES) results.push(await cluster.client.write(write))
  return { results, replicas: snapshot(cluster), safe: check() }
}

async function simulated(): Promise<{ outcome: Outcome; trace: string }> {
  let outcome: Outcome | undefined
  const report = await runCase(
    {
      name: 'replicated-register-parity',
      init: (sim) => ({ sim, recorder: recorderOf(sim.env) }),
      scenario: async ({ sim, recorder }) => {
        const open = (node: number, peers: readonly number[]) => sim.network.endpoint<RegisterMessage>(node, { peers, describe: describeMessage })
        const cluster = buildCluster(open, recorder, OPTIONS)
        outcome = await script(cluster, () => cluster.checker.check(cluster.replicas, recorder))
      },
    },
    { seed: 12648430, network: REGISTER_NETWORK, replay: false },
  )
  expect(report.outcome, report.headline()).toBe('passed')
  return { outcome: outcome as Outcome, trace: report.traceText() }
}

async function production(): Promise<Outcome> {
  const network = await LoopbackNetwork.open([0, 1, 2, 3], registerCodec)
  try {
    const recorder = recorderOf(productionEnv())
    const cluster = buildCluster((node, peers) => network.endpoint(node, { peers }), recorder, OPTIONS)
    return await script(cluster, () => cluster.checker.check(cluster.replicas, recorder))
  } finally {
    await network.close()
  }
}

describe('replicated register: simulated and production endpoints', () => {
  it('the same scripted writes leave the same register state on both', async () => {
    const sim = await simulated()
    const prod = await production()
    expect(prod).toEqual(sim.outcome)
    // What both agree on, spelled out: the conflicting value never landed anywhere.
    expect(sim.outcome.results.map((result) => result.quorum)).toEqual([true, false, true])
    expect(sim.outcome.safe).toBe(true)
    for (const replica of sim.outcome.replicas) {
      expect(replica.accepted).toEqual({ version: 2, value: 43 })
      expect(replica.committed).toEqual({ version: 2, value: 43 })
      expect(replica.commit_log).toEqual([
        { version: 1, value: 41 },
        { version: 2, value: 43 },
      ])
    }
    expect(sim.trace).toContain('replica.accept replica=0 version=1 value=42 accepted=false')
  })

  it('the codec round-trips every message kind and rejects damaged frames', () => {
    const messages: RegisterMessage[] = [
      { kind: 'propose', version: 1, value: 41 },
      { kind: 'commit', version: 0xffffffff, value: -0x80000000 },
      { kind: 'accepted', version: 2, value: 7, ok: true },
      { kind: 'committed', version: 2, value: 7, ok: false },
    ]
    for (const message of messages) expect(registerCodec.decode(registerCodec.encode(message))).toEqual(message)
    const bytes = registerCodec.encode({ kind: 'propose', version: 1, value: 1 })
    expect(() => registerCodec.decode(bytes.subarray(0, 9))).toThrow('10 bytes')
    const bad = bytes.slice()
    bad[0] = 9
    expect(() => registerCodec.decode(bad)).toThrow('bad register message header')
    expect(() => registerCodec.encode({ kind: 'propose', version: -1, value: 0 })).toThrow('u32')
  })
})
