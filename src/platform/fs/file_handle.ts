import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { createInterface, type Interface } from 'node:readline'
import type { Simulation } from '../../sim/simulation.js'
import { checkRead, checkWriteBuffer, encodeString, readOptions, toPosition } from './api_fd.js'
import { promiseForm, type Make } from './forms.js'
import { parseFileMode } from './flags.js'
import { fsContext } from './context.js'
import { closeNow, fchmodOp, fstatOp, fsyncNow, fsyncOp, ftruncateOp, futimesOp, readNow, readvOp, writeNow, writeOp } from './ops_fd.js'
import { deferredPromise, stepPromise } from './step.js'
import { readFileOp, writeAllOp } from './ops_whole.js'
import { invalidArgValue } from './node_error.js'
import { toStats } from './stats.js'
import { toUnixTimestampNs } from './times.js'
import { failClosed } from '../unsupported.js'
import { streamFs, trackStream } from './stream_fs.js'
import { getOptions, validateArrayBufferView, validateBoolean, validateBufferArray, validateInteger, validateOptionsObject, validateStringData } from './validate.js'

/**
 * `fs.promises.FileHandle` over a simulated descriptor: every method runs the
 * same operations as the callback and sync forms (step.ts), and resolves
 * after the disk's latency on the simulated loop. A handle belongs to the
 * simulation that opened it. Methods on a closed handle reject with Node's
 * `Error: file closed` (code EBADF, syscall the method's name).
 */

const require = createRequire(import.meta.url)
const real_fs = require('node:fs') as typeof import('node:fs')

/** Node's stream constructors as they really are: `(path, options)`. */
export type StreamClass<S> = new (path: unknown, options: unknown) => S

function fileClosed(syscall: string): Error {
  const error = new Error('file closed') as Error & { code: string; syscall: string }
  error.code = 'EBADF'
  error.syscall = syscall
  return error
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

export class FileHandle extends EventEmitter {
  readonly #sim: Simulation
  #fd: number
  #closing: Promise<void> | null = null

  constructor(sim: Simulation, fd: number) {
    super()
    this.#sim = sim
    this.#fd = fd
  }

  /** The descriptor, or -1 once the handle is closed. */
  get fd(): number {
    return this.#fd
  }

  /** Runs `method` on the handle's fd, or rejects with Node's "file closed" error. */
  #call<R>(method: string, parse: (fd: number) => Make<R>): Promise<R> {
    const fd = this.#fd
    if (fd === -1) return Promise.reject(fileClosed(method))
    return promiseForm(this.#sim, `fs.filehandle.${method}`, () => parse(fd))
  }

  close(): Promise<void> {
    if (this.#fd === -1) return this.#closing ?? Promise.resolve()
    const fd = this.#fd
    this.#fd = -1
    const context = fsContext(this.#sim)
    this.#closing = deferredPromise(this.#sim, 'fs.filehandle.close', () => closeNow(context, fd)).then(() => {
      this.emit('close')
    })
    return this.#closing
  }

  async [Symbol.for('nodejs.asyncDispose')](): Promise<void> {
    await this.close()
  }

  read(buffer?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    const fd = this.#fd
    if (fd === -1) return Promise.reject(fileClosed('read'))
    const sim = this.#sim
    let target = buffer
    let view: ArrayBufferView
    let request: ReturnType<typeof checkRead>
    try {
      if (!ArrayBuffer.isView(target)) {
        if (target !== undefined) validateOptionsObject(target, 'options')
        const params = (target ?? {}) as Record<string, unknown>
        target = params.buffer === undefined ? Buffer.alloc(16384) : params.buffer
        ;({ offset, length, position } = readOptions(params, target))
        validateArrayBufferView(target, 'buffer')
      } else if (offset !== null && typeof offset === 'object') {
        ;({ offset, length, position } = readOptions(offset, target))
      } else if (length === undefined) {
        length = target.byteLength - ((offset as number | undefined) ?? 0)
      }
      view = target as ArrayBufferView
      request = checkRead(fd, view, offset, length, position)
    } catch (error) {
      return Promise.reject(error)
    }
    if (request === null) return deferredPromise(sim, 'fs.filehandle.read', () => ({ bytesRead: 0, buffer: view }))
    const context = fsContext(sim)
    const into = bytesOf(view).subarray(request.offset)
    const { length: count, position: at } = request
    return stepPromise(sim, 'fs.filehandle.read', 'read', 'read', undefined, () => ({ bytesRead: readNow(context, fd, into, 0, count, at), buffer: view }))
  }

  write(buffer: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    const fd = this.#fd
    if (fd === -1) return Promise.reject(fileClosed('write'))
    let bytes: Uint8Array
    let at: number | null
    try {
      if (ArrayBuffer.isView(buffer)) {
        const request = checkWriteBuffer(buffer, offset, length, position === undefined ? null : position)
        bytes = request.bytes
        at = request.position
      } else {
        validateStringData(buffer, 'buffer')
        bytes = encodeString(buffer, length)
        at = typeof offset === 'number' ? toPosition(offset) : null
      }
    } catch (error) {
      return Promise.reject(error)
    }
    const context = fsContext(this.#sim)
    return stepPromise(this.#sim, 'fs.filehandle.write', 'write', 'write', undefined, () => ({ bytesWritten: writeNow(context, fd, bytes, at), buffer }))
  }

  writev(buffers: unknown, position?: unknown): Promise<{ bytesWritten: number; buffers: unknown }> {
    return this.#call('writev', (fd) => {
      validateBufferArray(buffers)
      const bytes = Buffer.concat(buffers.map(bytesOf))
      const at = typeof position === 'number' ? toPosition(position) : null
      return function* (context) {
        if (bytes.length === 0) return { bytesWritten: 0, buffers }
        return { bytesWritten: yield* writeOp(context, fd, bytes, at), buffers }
      }
    })
  }

  readv(buffers: unknown, position?: unknown): Promise<{ bytesRead: number; buffers: unknown }> {
    return this.#call('readv', (fd) => {
      validateBufferArray(buffers)
      const at = typeof position === 'number' ? toPosition(position) : null
      return function* (context) {
        return { bytesRead: yield* readvOp(context, fd, buffers, at), buffers }
      }
    })
  }

  readFile(options?: unknown): Promise<Buffer | string> {
    return this.#call('readFile', (fd) => {
      const parsed = getOptions(options, { flag: 'r' as unknown })
      const signal = parsed.signal as AbortSignal | undefined
      return function* (context) {
        const buffer = yield* readFileOp(context, { fd }, signal)
        return typeof parsed.encoding === 'string' && parsed.encoding !== 'buffer' ? buffer.toString(parsed.encoding as BufferEncoding) : buffer
      }
    })
  }

  writeFile(data: unknown, options?: unknown): Promise<void> {
    return this.#writeAll('writeFile', data, options)
  }

  appendFile(data: unknown, options?: unknown): Promise<void> {
    return this.#writeAll('appendFile', data, options)
  }

  #writeAll(method: string, data: unknown, options: unknown): Promise<void> {
    return this.#call(method, (fd) => {
      const parsed = getOptions(options, { encoding: 'utf8' as unknown, flush: false as unknown })
      const flush = parsed.flush ?? false
      validateBoolean(flush, 'options.flush')
      let bytes: Uint8Array
      if (ArrayBuffer.isView(data)) bytes = bytesOf(data)
      else {
        validateStringData(data, 'data')
        bytes = encodeString(data, parsed.encoding || 'utf8')
      }
      const signal = parsed.signal as AbortSignal | undefined
      return function* (context) {
        yield* writeAllOp(context, fd, bytes, signal)
        if (flush) yield* fsyncOp(context, fd, 'fsync')
      }
    })
  }

  stat(options?: unknown): Promise<unknown> {
    const sim = this.#sim
    return this.#call('fstat', (fd) => function* (context) {
      const stat = yield* fstatOp(context, fd)
      return toStats(stat, sim.disk.sector_size_bytes, (options as { bigint?: unknown } | undefined)?.bigint === true)
    })
  }

  truncate(length: unknown = 0): Promise<void> {
    return this.#call('ftruncate', (fd) => {
      validateInteger(length, 'len')
      return (context) => ftruncateOp(context, fd, length)
    })
  }

  sync(): Promise<void> {
    return this.#sync('fsync')
  }

  datasync(): Promise<void> {
    return this.#sync('fdatasync')
  }

  #sync(syscall: 'fsync' | 'fdatasync'): Promise<void> {
    const fd = this.#fd
    if (fd === -1) return Promise.reject(fileClosed(syscall))
    const context = fsContext(this.#sim)
    return stepPromise(this.#sim, `fs.filehandle.${syscall}`, 'sync', syscall, undefined, () => fsyncNow(context, fd, syscall))
  }

  utimes(atime: unknown, mtime: unknown): Promise<void> {
    return this.#call('futimes', (fd) => {
      const atime_ns = toUnixTimestampNs(this.#sim, atime, 'atime')
      const mtime_ns = toUnixTimestampNs(this.#sim, mtime, 'mtime')
      return (context) => futimesOp(context, fd, atime_ns, mtime_ns)
    })
  }

  chmod(mode: unknown): Promise<void> {
    return this.#call('fchmod', (fd) => {
      const permissions = parseFileMode(mode, 'mode')
      return (context) => fchmodOp(context, fd, permissions)
    })
  }

  chown(): Promise<void> {
    return Promise.reject(captureFailClosed('filehandle.chown'))
  }

  readableWebStream(): never {
    failClosed('filehandle.readableWebStream', 'disk')
  }

  createReadStream(options?: Record<string, unknown>): import('node:fs').ReadStream {
    if (options !== undefined && options !== null && typeof options !== 'object') throw invalidArgValue('options', options)
    return trackStream(this.#sim, new (real_fs.ReadStream as unknown as StreamClass<import('node:fs').ReadStream>)(null, withHandle(this.#sim, this, options)))
  }

  createWriteStream(options?: Record<string, unknown>): import('node:fs').WriteStream {
    if (options !== undefined && options !== null && typeof options !== 'object') throw invalidArgValue('options', options)
    return trackStream(this.#sim, new (real_fs.WriteStream as unknown as StreamClass<import('node:fs').WriteStream>)(null, withHandle(this.#sim, this, options)))
  }

  readLines(options?: Record<string, unknown>): Interface {
    return createInterface({ input: this.createReadStream(options), crlfDelay: Infinity })
  }
}

function captureFailClosed(api: string): unknown {
  try {
    failClosed(api, 'disk')
  } catch (error) {
    return error
  }
}

/** Stream options over a handle: its descriptor, the simulated fs, and close through the handle. */
function withHandle(sim: Simulation, handle: FileHandle, options: Record<string, unknown> | undefined): Record<string, unknown> {
  const fs = streamFs(sim)
  fs.close = (_fd: number, callback: (error: unknown) => void) => {
    handle.close().then(() => callback(null), callback)
  }
  return { ...(options ?? {}), fd: handle.fd, fs }
}
