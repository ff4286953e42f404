/**
 * Fixed-size WAL records (the seeds' roadmap item 3): one record is
 * `RECORD_SIZE_BYTES` bytes holding a magic value, a sequence number, a key,
 * a value and a CRC-32 of everything before it, little-endian throughout.
 * Storage examples frame their logs with this instead of hand-rolling it.
 *
 *   offset  size  field
 *        0     4  magic 0x314c4157 ("WAL1")
 *        4     4  sequence number (u32)
 *        8     2  key length (u16)
 *       10     2  value length (u16)
 *       12     -  key bytes, then value bytes (UTF-8), zero padding
 *   size-4     4  CRC-32 (IEEE) of bytes [0, size-4)
 */
export const RECORD_MAGIC = 0x314c4157
export const RECORD_SIZE_BYTES = 1024
const HEADER_BYTES = 12
const CHECKSUM_BYTES = 4
/** Key and value bytes together. */
export const MAX_PAYLOAD_BYTES = RECORD_SIZE_BYTES - HEADER_BYTES - CHECKSUM_BYTES

export interface WalRecord {
  readonly sequence: number
  readonly key: string
  readonly value: string
}

/** How a record's bytes read back: valid, an unwritten slot, or damaged. */
export type DecodeStatus = 'valid' | 'empty' | 'bad_magic' | 'bad_length' | 'bad_checksum'

export interface Decoded {
  readonly status: DecodeStatus
  /** The fields as stored (present unless the slot is empty, has a bad magic or bad lengths). */
  readonly record: WalRecord | null
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (IEEE 802.3, as zlib and PNG use it). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = (CRC_TABLE[(crc ^ bytes[i]!) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: false })

export function encodeRecord(record: WalRecord): Uint8Array {
  if (!Number.isInteger(record.sequence) || record.sequence < 0 || record.sequence > 0xffffffff) {
    throw new RangeError(`WAL record: sequence must be a u32, got ${record.sequence}`)
  }
  const key = encoder.encode(record.key)
  const value = encoder.encode(record.value)
  if (key.length + value.length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`WAL record: key and value take ${key.length + value.length} bytes, at most ${MAX_PAYLOAD_BYTES} fit`)
  }
  const bytes = new Uint8Array(RECORD_SIZE_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, RECORD_MAGIC, true)
  view.setUint32(4, record.sequence, true)
  view.setUint16(8, key.length, true)
  view.setUint16(10, value.length, true)
  bytes.set(key, HEADER_BYTES)
  bytes.set(value, HEADER_BYTES + key.length)
  view.setUint32(RECORD_SIZE_BYTES - CHECKSUM_BYTES, crc32(bytes, 0, RECORD_SIZE_BYTES - CHECKSUM_BYTES), true)
  return bytes
}

/** Reads one record slot (exactly `RECORD_SIZE_BYTES` bytes). */
export function decodeRecord(bytes: Uint8Array): Decoded {
  if (bytes.length !== RECORD_SIZE_BYTES) throw new RangeError(`WAL record: a slot is ${RECORD_SIZE_BYTES} bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint32(0, true)
  if (magic !== RECORD_MAGIC) return { status: bytes.every((byte) => byte === 0) ? 'empty' : 'bad_magic', record: null }
  const key_length = view.getUint16(8, true)
  const value_length = view.getUint16(10, true)
  if (key_length + value_length > MAX_PAYLOAD_BYTES) return { status: 'bad_length', record: null }
  const record: WalRecord = {
    sequence: view.getUint32(4, true),
    key: decoder.decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + key_length)),
    value: decoder.decode(bytes.subarray(HEADER_BYTES + key_length, HEADER_BYTES + key_length + value_length)),
  }
  const stored = view.getUint32(RECORD_SIZE_BYTES - CHECKSUM_BYTES, true)
  const status = stored === crc32(bytes, 0, RECORD_SIZE_BYTES - CHECKSUM_BYTES) ? 'valid' : 'bad_checksum'
  return { status, record }
}
