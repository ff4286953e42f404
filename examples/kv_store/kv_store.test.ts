import { describe, expect, it } from 'vitest'
import { findExample } from '../index.js'
import { KV_STORE_BUG_SEED } from './seeds.js'
import { crc32, decodeRecord, encodeRecord, MAX_PAYLOAD_BYTES, RECORD_SIZE_BYTES } from './wal_record.js'

const SWEEP_SEEDS = 500

describe('WAL record framing', () => {
  it('round-trips, and tells empty, bad magic, bad length and bad checksum apart', () => {
    const bytes = encodeRecord({ sequence: 7, key: 'k', value: 'välue' })
    expect(bytes).toHaveLength(RECORD_SIZE_BYTES)
    expect(decodeRecord(bytes)).toEqual({ status: 'valid', record: { sequence: 7, key: 'k', value: 'välue' } })
    expect(decodeRecord(new Uint8Array(RECORD_SIZE_BYTES)).status).toBe('empty')
    const flipped = bytes.slice()
    flipped[20]! ^= 0xff
    expect(decodeRecord(flipped).status).toBe('bad_checksum')
    const magic = bytes.slice()
    magic[0] = 0
    expect(decodeRecord(magic).status).toBe('bad_magic')
    const length = bytes.slice()
    new DataView(length.buffer).setUint16(10, MAX_PAYLOAD_BYTES, true)
    expect(decodeRecord(length).status).toBe('bad_length')
    expect(() => encodeRecord({ sequence: 1, key: 'k', value: 'x'.repeat(MAX_PAYLOAD_BYTES) })).toThrow('at most')
    expect(() => encodeRecord({ sequence: -1, key: 'k', value: '' })).toThrow('sequence must be a u32')
  })

  it('computes CRC-32 as zlib does', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
  })
})

describe('kv-store over the simulated disk', () => {
  it(`the correct store passes ${SWEEP_SEEDS} seeds, and their crashes lose, tear and land the unsynced record`, async () => {
    const example = findExample('kv-store')!
    const outcomes = new Map<string, number>()
    const failing: string[] = []
    for (let seed = 0; seed < SWEEP_SEEDS; seed++) {
      const report = await example.run({ seed, replay: seed < 20 })
      if (!report.passed) failing.push(`${seed}: ${report.headline()}`)
      const crash = /disk\.crash_write [^\n]*result=(\w+)/.exec(report.traceText())
      const outcome = crash?.[1] ?? 'none'
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    }
    expect(failing).toEqual([])
    expect([...outcomes.keys()].sort()).toEqual(expect.arrayContaining(['landed', 'lost', 'torn']))
  }, 120_000)

  it('the buggy recovery is caught by damaged_record_rejected on its documented seed, and replays identically', async () => {
    const report = await findExample('kv-store-bug')!.run({ seed: KV_STORE_BUG_SEED })
    expect(report.passed).toBe(false)
    expect(report.replay).toBe('identical')
    expect(report.failures.map((failure) => failure.name)).toEqual(['damaged_record_rejected'])
    expect(report.traceText()).toContain('kv.invariant_violation reason=unsynced_record_recovered')
  })
})
