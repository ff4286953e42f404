/**
 * The toy database over the simulated network: server on node 0, client on
 * node 1, each holding a codec transport (`sim.network.codecEndpoint`) that
 * carries the protocol's bytes. 10% of packets are lost, latency is 1-4 ms;
 * the client retries. The client pings, selects from the empty database, then
 * three times inserts a seeded value (half the time small, half the time a
 * full 64-bit one) and selects it back.
 */
import type { Case } from '../../src/run/run.js'
import type { NetworkOptions } from '../../src/net/network.js'
import type { Codec } from '../../src/net/codec.js'
import { Latency } from '../../src/net/faults.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { randomInt } from '../helpers.js'
import { recorderOf, type Recorder } from '../recorder.js'
import { Db, DbClient, serve } from './db.js'
import { buggyCodec, dbCodec, describe, type DbMessage } from './protocol.js'

export const SERVER_NODE = 0
export const CLIENT_NODE = 1
export const TIMEOUT_MS = 20
export const INSERTS = 3

export const DB_NETWORK: NetworkOptions = {
  nodes: 2,
  path_capacity: 8,
  faults: { loss_rate: BuggifyRate.percent(10), latency: Latency.uniform(1_000_000, 3_000_000) },
}

export interface DbState {
  readonly recorder: Recorder
  readonly client: DbClient
  readonly selects: { expected: bigint; actual: bigint | null }[]
  answered_ping: boolean
}

/** Half the time a small value, half the time one that needs all 64 bits. */
function drawValue(): bigint {
  if (Math.random() < 0.5) return BigInt(randomInt(-1000, 1000))
  const high = randomInt(1, 0x7fffffff) * (Math.random() < 0.5 ? -1 : 1)
  return (BigInt(high) << 32n) + BigInt(randomInt(0, 0xffffffff))
}

function dbCase(name: string, client_codec: Codec<DbMessage>): Case<DbState> {
  return {
    name,
    init: (sim) => {
      const recorder = recorderOf(sim.env)
      const options = { describe: (bytes: Uint8Array) => describe(dbCodec.decode(bytes)) }
      serve(new Db(), sim.network.codecEndpoint(SERVER_NODE, dbCodec, options), recorder)
      const client = new DbClient(sim.network.codecEndpoint(CLIENT_NODE, client_codec, options), SERVER_NODE, recorder, TIMEOUT_MS)
      return { recorder, client, selects: [], answered_ping: false }
    },
    scenario: async (state) => {
      const { client, recorder } = state
      state.answered_ping = (await client.call({ kind: 'ping' })).kind === 'pong'
      const empty = await client.call({ kind: 'select_value' })
      if (empty.kind !== 'empty') throw new Error(`select on an empty database answered ${describe(empty)}`)
      for (let i = 0; i < INSERTS; i++) {
        const value = drawValue()
        const inserted = await client.call({ kind: 'insert', value })
        if (inserted.kind !== 'insert_one') throw new Error(`insert answered ${describe(inserted)}`)
        const row = await client.call({ kind: 'select_value' })
        const actual = row.kind === 'row' ? row.value : null
        state.selects.push({ expected: value, actual })
        if (actual !== value) recorder.recordFields('db.invariant_violation', { reason: 'wrong_row', expected: value, actual: actual ?? 'none' })
      }
    },
    checks: [
      { name: 'ping_answered', check: (state) => state.answered_ping || 'ping was not answered with pong' },
      {
        name: 'select_returns_inserted',
        check: ({ selects }) => {
          const wrong = selects.find((select) => select.actual !== select.expected)
          return wrong === undefined || `inserted ${wrong.expected}, selected ${wrong.actual ?? 'nothing'}`
        },
      },
    ],
  }
}

export const toySqlDb = dbCase('toy-sql-db', dbCodec)
export const toySqlDbBug = dbCase('toy-sql-db-bug', buggyCodec)
