/**
 * A tiny key-value store over a write-ahead log, production-shaped: plain
 * `node:fs/promises`, a directory, one log file of fixed-size records
 * (wal_record.ts). `put` appends a record, `sync` makes the log durable,
 * `open` recovers the map by scanning the log.
 *
 * Recovery has two modes. `checksum` (correct) stops at the first slot that
 * is not a valid record: a record torn by a crash or damaged on disk is never
 * served. `magic_only` (the deliberate bug) accepts any slot whose magic
 * value is right, so a torn record, whose first sector landed and whose
 * checksum did not, is served as if it had been written.
 */
import { constants } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import type { Recorder } from '../recorder.js'
import { decodeRecord, encodeRecord, RECORD_SIZE_BYTES } from './wal_record.js'

export type RecoveryMode = 'checksum' | 'magic_only'

/** Log slots scanned at most on recovery: a bound on the loop, far above what the example writes. */
const MAX_RECORDS = 4096

export class KvStore {
  readonly #map = new Map<string, string>()
  #next_sequence = 0

  private constructor(
    readonly recorder: Recorder,
    readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /** Opens (creating it if needed) the store in `directory` and recovers its contents from the log. */
  static async open(directory: string, recorder: Recorder, mode: RecoveryMode): Promise<KvStore> {
    await mkdir(directory, { recursive: true })
    const path = `${directory}/kv.wal`
    // Read-write, created if missing; not 'a+': Linux ignores the position of writes in append mode.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644)
    // The log's directory entry must be durable too, or a crash can take the whole file away.
    const dir = await open(directory, 'r')
    await dir.sync()
    await dir.close()
    const store = new KvStore(recorder, handle, path)
    await store.#recover(mode)
    return store
  }

  get(key: string): string | undefined {
    return this.#map.get(key)
  }

  /** Every recovered or written entry, in key order. */
  entries(): [string, string][] {
    return [...this.#map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  /** Appends a record. Visible at once; durable only after `sync`. */
  async put(key: string, value: string): Promise<void> {
    const sequence = this.#next_sequence++
    const bytes = encodeRecord({ sequence, key, value })
    const offset = sequence * RECORD_SIZE_BYTES
    let written = 0
    // A write may be short: write the rest until the whole record is in.
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, offset + written)
      written += bytesWritten
    }
    this.#map.set(key, value)
    this.recorder.recordFields('kv.put', { sequence, key, offset })
  }

  async sync(): Promise<void> {
    await this.handle.sync()
    this.recorder.record('kv.sync', { records: this.#next_sequence })
  }

  async close(): Promise<void> {
    await this.handle.close()
  }

  async #recover(mode: RecoveryMode): Promise<void> {
    const { size } = await this.handle.stat()
    // A partial last slot is scanned too: a crash can leave the log ending inside a record.
    const slots = Math.min(Math.ceil(size / RECORD_SIZE_BYTES), MAX_RECORDS)
    const slot = new Uint8Array(RECORD_SIZE_BYTES)
    for (let index = 0; index < slots; index++) {
      const offset = index * RECORD_SIZE_BYTES
      const { bytesRead } = await this.handle.read(slot, 0, RECORD_SIZE_BYTES, offset)
      const { status, record } = decodeRecord(bytesRead === RECORD_SIZE_BYTES ? slot : slot.fill(0, bytesRead))
      const accepted = status === 'valid' || (mode === 'magic_only' && record !== null)
      this.recorder.recordFields('kv.recover.record', { offset, status, accepted, key: record?.key ?? '', mode })
      if (!accepted || record === null) break
      this.#map.set(record.key, record.value)
      this.#next_sequence = index + 1
    }
    this.recorder.record('kv.recover.done', { records: this.#next_sequence })
  }
}
