/**
 * The service's write-ahead log of operations: one fixed-size record at the
 * start of `<directory>/durable_broadcast.wal`, framed by the shared WAL
 * record helper (magic, sequence, payload, CRC-32; examples/kv_store/wal_record.ts).
 * Plain `node:fs/promises`: the simulated disk in a run, the real one elsewhere.
 */
import { constants } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import type { Recorder } from '../recorder.js'
import { decodeRecord, encodeRecord, RECORD_SIZE_BYTES } from '../kv_store/wal_record.js'

export const LOG_NAME = 'durable_broadcast.wal'

/** One operation: an id (the record's sequence number) and a value. */
export interface Op {
  readonly id: number
  readonly value: number
}

export class OpLog {
  private constructor(
    readonly handle: FileHandle,
    readonly recorder: Recorder,
  ) {}

  /** Opens (creating it if needed) the log, and makes its directory entry durable. */
  static async open(directory: string, recorder: Recorder): Promise<OpLog> {
    await mkdir(directory, { recursive: true })
    const handle = await open(`${directory}/${LOG_NAME}`, constants.O_RDWR | constants.O_CREAT, 0o644)
    const dir = await open(directory, 'r')
    await dir.sync()
    await dir.close()
    return new OpLog(handle, recorder)
  }

  /** Writes `op` over the log's one record: visible at once, durable after `sync`. */
  async write(op: Op): Promise<void> {
    const bytes = encodeRecord({ sequence: op.id, key: 'op', value: String(op.value) })
    let written = 0
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, written)
      written += bytesWritten
    }
  }

  async sync(): Promise<void> {
    await this.handle.sync()
  }

  /** The operation the log holds, or null when its record is missing or damaged. */
  async read(): Promise<Op | null> {
    const slot = new Uint8Array(RECORD_SIZE_BYTES)
    const { bytesRead } = await this.handle.read(slot, 0, RECORD_SIZE_BYTES, 0)
    const { status, record } = decodeRecord(bytesRead === RECORD_SIZE_BYTES ? slot : slot.fill(0, bytesRead))
    if (status !== 'valid' || record === null) {
      this.recorder.record('durable.recover.reject', { offset: 0, status })
      return null
    }
    const op = { id: record.sequence, value: Number(record.value) }
    this.recorder.record('durable.recover.record', { op: op.id, value: op.value })
    return op
  }
}
