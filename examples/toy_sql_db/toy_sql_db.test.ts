import { describe, expect, it } from 'vitest'
import { findExample } from '../index.js'
import { buggyCodec, dbCodec, type DbMessage } from './protocol.js'
import { TOY_SQL_DB_BUG_SEED } from './seeds.js'

const SWEEP_SEEDS = 200

describe('toy database protocol', () => {
  it('round-trips every message through the codec, i64 extremes included, and rejects bad frames', () => {
    const messages: DbMessage[] = [
      { kind: 'ping' },
      { kind: 'insert', value: -(1n << 63n) },
      { kind: 'select_value' },
      { kind: 'pong' },
      { kind: 'insert_one' },
      { kind: 'row', value: (1n << 63n) - 1n },
      { kind: 'empty' },
    ]
    for (const message of messages) expect(dbCodec.decode(dbCodec.encode(message))).toEqual(message)
    expect([...dbCodec.encode({ kind: 'insert', value: 41n })]).toEqual([0x02, 41, 0, 0, 0, 0, 0, 0, 0])
    expect(() => dbCodec.decode(Uint8Array.of(0x7f))).toThrow('unknown tag')
    expect(() => dbCodec.decode(Uint8Array.of(0x83, 1))).toThrow('row: 2 bytes')
    expect(() => dbCodec.encode({ kind: 'insert', value: 1n << 63n })).toThrow('not an i64')
  })

  it('the buggy codec agrees on 32-bit values and truncates wider ones', () => {
    const small = dbCodec.encode({ kind: 'row', value: -7n })
    expect(buggyCodec.decode(small)).toEqual({ kind: 'row', value: -7n })
    const wide = dbCodec.encode({ kind: 'row', value: (5n << 32n) + 3n })
    expect(buggyCodec.decode(wide)).toEqual({ kind: 'row', value: 3n })
  })
})

describe('toy-sql-db over codec transports', () => {
  it(`the correct client passes ${SWEEP_SEEDS} seeds, retrying through packet loss`, async () => {
    const example = findExample('toy-sql-db')!
    const failing: string[] = []
    let retried = 0
    for (let seed = 0; seed < SWEEP_SEEDS; seed++) {
      const report = await example.run({ seed, replay: seed < 20 })
      if (!report.passed) failing.push(`${seed}: ${report.headline()}`)
      if (report.traceText().includes(' attempt=2')) retried++
    }
    expect(failing).toEqual([])
    expect(retried).toBeGreaterThan(SWEEP_SEEDS / 4)
  })

  it('the 32-bit row decode is caught by select_returns_inserted on most seeds, never through an error', async () => {
    const example = findExample('toy-sql-db-bug')!
    let caught = 0
    for (let seed = 0; seed < SWEEP_SEEDS; seed++) {
      const report = await example.run({ seed, replay: false })
      if (report.passed) continue
      expect(report.failures.map((failure) => failure.name), String(seed)).toEqual(['select_returns_inserted'])
      caught++
    }
    expect(caught).toBe(170)
  })

  it('the documented seed is caught, replays identically, and shows the truncated row', async () => {
    const report = await findExample('toy-sql-db-bug')!.run({ seed: TOY_SQL_DB_BUG_SEED })
    expect(report.outcome).toBe('check_failed')
    expect(report.replay).toBe('identical')
    expect(report.traceText()).toMatch(/db\.invariant_violation reason=wrong_row expected=-?\d+ actual=-?\d+\n/)
    expect(report.traceText()).toMatch(/network\.send from=0 to=1 packet=\d+ latency_ns=\d+ size_bytes=9 msg=row:/)
  })
})
