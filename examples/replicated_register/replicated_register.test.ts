import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../src/run/report.js'
import { findExample } from '../index.js'
import { REGISTER_SWARM_BUG_CAUGHT_BELOW_200, REGISTER_SWARM_BUG_SEED } from './seeds.js'

const SWARM_SEEDS = 200

async function sweep(name: string, seeds: number): Promise<RunReport[]> {
  const example = findExample(name)!
  const reports: RunReport[] = []
  for (let seed = 0; seed < seeds; seed++) reports.push(await example.run({ seed }))
  return reports
}

const seedsWhere = (reports: readonly RunReport[], predicate: (report: RunReport) => boolean): string[] =>
  reports.filter(predicate).map((report) => report.seed.text)

describe('replicated-register scenarios', () => {
  it('smoke: one write under 20% loss reaches a quorum and every check passes', async () => {
    const report = await findExample('replicated-register')!.run({ seed: 12648430 })
    expect(report.outcome).toBe('passed')
    expect(report.replay).toBe('identical')
    const trace = report.traceText()
    expect(trace).toMatch(/^run\.name value=replicated-register\n/)
    expect(trace).toContain('network.faults cause=set_lossiness loss_rate=percent:20')
    expect(trace).toMatch(/register\.write\.quorum version=1 value=41 acks=\d/)
    expect(trace).toMatch(/register\.check committed_agreement=ok committed_count=\d/)
    expect(trace).toContain('register.check committed_quorum=ok')
  })

  it('bug: the forced divergent commit is caught by committed_register_is_safe', async () => {
    const report = await findExample('replicated-register-bug')!.run({ seed: 12648430 })
    expect(report.outcome).toBe('check_failed')
    expect(report.replay).toBe('identical')
    expect(report.failures.map((failure) => failure.name)).toEqual(['committed_register_is_safe'])
    expect(report.traceText()).toContain(
      'register.invariant_violation kind=committed_divergence replica=1 version=1 expected_value=41 actual_value=42',
    )
  })

  it('partition: the isolated replica misses the first write, then commits the value after heal', async () => {
    const report = await findExample('replicated-register-partition')!.run({ seed: 12648430 })
    expect(report.outcome).toBe('passed')
    const trace = report.traceText()
    expect(trace).toContain('network.partition cause=control')
    expect(trace).toMatch(/network\.drop from=3 to=0 packet=\d+ reason=partition/)
    expect(trace).toContain('network.heal cause=control')
    expect(trace).toContain('replica.commit replica=0 version=1 value=41 committed=true')
    expect(trace).toContain('register.check replica_committed=ok replica=0 version=1 value=41')
  })

  it('conflict: a second value for version 1 is rejected by every replica', async () => {
    const report = await findExample('replicated-register-conflict')!.run({ seed: 12648430 })
    expect(report.outcome).toBe('passed')
    const trace = report.traceText()
    for (const replica of [0, 1, 2]) expect(trace).toContain(`replica.accept replica=${replica} version=1 value=42 accepted=false`)
    expect(trace).toContain('register.write.no_quorum version=1 acks=0')
    expect(trace).toContain('register.check committed_agreement=ok committed_count=3')
  })
})

describe('replicated-register-swarm', () => {
  it(`passes ${SWARM_SEEDS} seeds of the swarm profile's network faults, which evolve under the writes`, async () => {
    const reports = await sweep('replicated-register-swarm', SWARM_SEEDS)
    expect(seedsWhere(reports, (report) => !report.passed)).toEqual([])
    expect(seedsWhere(reports, (report) => report.replay !== 'identical')).toEqual([])
    const traces = reports.map((report) => report.traceText())
    const count = (pattern: RegExp): number => traces.filter((trace) => pattern.test(trace)).length
    // The sweep covers every fault class, each on some seeds and not on others.
    for (const pattern of [/reason=loss/, /network\.duplicate /, /network\.clog .*cause=auto/, /network\.partition cause=auto/, /register\.write\.no_quorum/]) {
      expect(count(pattern), String(pattern)).toBeGreaterThan(5)
      expect(count(pattern), String(pattern)).toBeLessThan(SWARM_SEEDS)
    }
    // Once healed and calmed, the last write reaches every replica on every seed.
    for (const trace of traces) expect(trace).toMatch(/register\.write\.quorum version=2 value=42 acks=3\n(?:.*\n)*?.*register\.check committed_agreement=ok committed_count=3\n/)
  }, 120_000)

  it(`the writer counting acknowledgement messages is caught on ${REGISTER_SWARM_BUG_CAUGHT_BELOW_200.length} of ${SWARM_SEEDS} seeds, always by committed_register_is_safe`, async () => {
    const reports = await sweep('replicated-register-swarm-bug', SWARM_SEEDS)
    expect(seedsWhere(reports, (report) => !report.passed)).toEqual([...REGISTER_SWARM_BUG_CAUGHT_BELOW_200])
    expect(seedsWhere(reports, (report) => !report.passed && !(report.outcome === 'check_failed' && report.failedCheck('committed_register_is_safe')))).toEqual([])
  }, 120_000)

  it('the documented seed catches the bug, replays identically, and shows the commit without a quorum', async () => {
    const report = await findExample('replicated-register-swarm-bug')!.run({ seed: REGISTER_SWARM_BUG_SEED })
    expect(report.outcome).toBe('check_failed')
    expect(report.replay).toBe('identical')
    expect(report.traceText()).toMatch(/register\.invariant_violation kind=commit_without_accepted_quorum replica=\d version=\d value=4\d accepted_count=1/)
    // The correct writer on the same seed, with the same faults, passes.
    expect((await findExample('replicated-register-swarm')!.run({ seed: REGISTER_SWARM_BUG_SEED })).passed).toBe(true)
  })
})
