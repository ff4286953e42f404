/**
 * The toy database's wire format (the seeds': a one-byte tag and an optional
 * little-endian i64), as a user-owned `Codec` that a codec transport carries:
 * the database and its client see typed `Request`s and `Response`s, the
 * network sees bytes. Requests use tags 0x01-0x03, responses 0x81-0x84, so
 * one codec decodes both directions.
 *
 * `buggyCodec` is the deliberate bug of `toy-sql-db-bug`: it decodes a row's
 * value with a 32-bit read, so any value outside the i32 range comes back
 * truncated.
 */
import type { Codec } from '../../src/net/codec.js'

export type Request = { readonly kind: 'ping' } | { readonly kind: 'insert'; readonly value: bigint } | { readonly kind: 'select_value' }
export type Response =
  | { readonly kind: 'pong' }
  | { readonly kind: 'insert_one' }
  | { readonly kind: 'row'; readonly value: bigint }
  | { readonly kind: 'empty' }
export type DbMessage = Request | Response

const TAGS = { ping: 0x01, insert: 0x02, select_value: 0x03, pong: 0x81, insert_one: 0x82, row: 0x83, empty: 0x84 } as const
type Kind = keyof typeof TAGS
const KIND_OF_TAG = new Map<number, Kind>(Object.entries(TAGS).map(([kind, tag]) => [tag, kind as Kind]))
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n

function encode(message: DbMessage): Uint8Array {
  if (message.kind !== 'insert' && message.kind !== 'row') return Uint8Array.of(TAGS[message.kind])
  if (message.value < I64_MIN || message.value > I64_MAX) throw new RangeError(`${message.kind}: value ${message.value} is not an i64`)
  const bytes = new Uint8Array(9)
  bytes[0] = TAGS[message.kind]
  new DataView(bytes.buffer).setBigInt64(1, message.value, true)
  return bytes
}

function decodeWith(readValue: (view: DataView) => bigint): (bytes: Uint8Array) => DbMessage {
  return (bytes) => {
    const kind = KIND_OF_TAG.get(bytes[0] ?? -1)
    if (kind === undefined) throw new RangeError(`unknown tag ${bytes[0]}`)
    const carries_value = kind === 'insert' || kind === 'row'
    if (bytes.byteLength !== (carries_value ? 9 : 1)) throw new RangeError(`${kind}: ${bytes.byteLength} bytes`)
    if (!carries_value) return { kind } as DbMessage
    return { kind, value: readValue(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) }
  }
}

export const dbCodec: Codec<DbMessage> = { encode, decode: decodeWith((view) => view.getBigInt64(1, true)) }

export const buggyCodec: Codec<DbMessage> = { encode, decode: decodeWith((view) => BigInt(view.getInt32(1, true))) }

/** The trace's short form of a message: `insert:41`, `pong`. */
export function describe(message: DbMessage): string {
  return 'value' in message ? `${message.kind}:${message.value}` : message.kind
}
