import { createRequire } from 'node:module'
import { Duplex } from 'node:stream'
import type { Timeout } from '../../scheduler/timers.js'
import type { Connection, StreamErrorCode, StreamEvents } from '../../net/stream.js'
import { StreamError } from '../../net/stream.js'
import { isLoopbackName } from '../../net/hosts.js'
import { failClosed } from '../unsupported.js'
import type { NetContext } from './context.js'
import { lookupNow } from './dns.js'
import { codedError, errnoException, exceptionWithHostPort, validatePort } from './errors.js'

/**
 * `net.Socket` inside a simulation: a real `stream.Duplex` whose bytes travel
 * as segments of the simulated network's stream transport (src/net/stream.ts).
 *
 * Events, half-close, `allowHalfOpen`, backpressure (`write()` returning false,
 * 'drain') and error propagation are Node's stream machinery; what the socket
 * adds is Node's socket surface: `connect` (with 'lookup', 'connect', 'ready'),
 * `setTimeout` on the simulated clock, `address()`, the remote and local
 * addresses, `bytesRead`/`bytesWritten`, `ref`/`unref`, `resetAndDestroy`, and
 * the errors Linux gives (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE,
 * EHOSTUNREACH, ENOTFOUND). Every event runs on the socket's own node.
 */

const require = createRequire(import.meta.url)
const realNet = require('node:net') as typeof import('node:net')

/** Node's own argument normalisation for connect: `[options, listener]`. */
export function normalizeArgs(args: unknown[]): [Record<string, unknown>, unknown] {
  return (realNet as unknown as { _normalizeArgs(args: unknown[]): [Record<string, unknown>, unknown] })._normalizeArgs(args)
}

export interface SimSocketOptions {
  allowHalfOpen?: boolean
  pauseOnCreate?: boolean
  highWaterMark?: number
  readableHighWaterMark?: number
  writableHighWaterMark?: number
  [key: string]: unknown
}

interface HeldWrite {
  chunk: Uint8Array
  callback: (error?: Error | null) => void
}

export class SimSocket extends Duplex {
  connecting = false
  /** Node's sockets have a native handle here; a simulated socket has none (http checks `_handle?.isStreamBase`). */
  _handle: null = null
  server: unknown = null
  _server: { _connections: number; _emitCloseIfDrained?: () => void } | null = null
  remoteAddress: string | undefined = undefined
  remotePort: number | undefined = undefined
  remoteFamily: string | undefined = undefined
  localAddress: string | undefined = undefined
  localPort: number | undefined = undefined
  timeout: number | undefined = undefined
  #context: NetContext
  #connection: Connection | null = null
  #bytes_read = 0
  #bytes_written = 0
  #timer: Timeout | null = null
  #refed = true
  #held: HeldWrite | null = null
  #pending_writes: HeldWrite[] = []
  #pending_final: ((error?: Error | null) => void) | null = null
  #reset_on_destroy = false
  #peer_ended = false
  #release: (() => void) | null = null

  constructor(context: NetContext, options: SimSocketOptions = {}) {
    const given = options !== null && typeof options === 'object' ? options : {}
    if (given.fd !== undefined || given.handle !== undefined) failClosed('net.Socket({ fd, handle })', 'network_protocol')
    super({
      allowHalfOpen: Boolean(given.allowHalfOpen),
      emitClose: false,
      autoDestroy: true,
      ...(given.highWaterMark === undefined ? {} : { highWaterMark: given.highWaterMark }),
      ...(given.readableHighWaterMark === undefined ? {} : { readableHighWaterMark: given.readableHighWaterMark }),
      ...(given.writableHighWaterMark === undefined ? {} : { writableHighWaterMark: given.writableHighWaterMark }),
    })
    this.#context = context
    this.#release = context.hold()
    if (given.pauseOnCreate === true) this.pause()
  }

  // ---- Node's socket surface ------------------------------------------------------------------

  get bytesRead(): number {
    return this.#bytes_read
  }

  get bytesWritten(): number {
    return this.#bytes_written
  }

  get pending(): boolean {
    return this.#connection === null || this.connecting || this.destroyed
  }

  get readyState(): string {
    if (this.connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable && !this.writable) return 'readOnly'
    if (!this.readable && this.writable) return 'writeOnly'
    return 'closed'
  }

  get bufferSize(): number {
    return this.writableLength
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.localAddress === undefined || this.localPort === undefined || this.destroyed) return {}
    return { address: this.localAddress, family: 'IPv4', port: this.localPort }
  }

  setNoDelay(_no_delay?: boolean): this {
    return this
  }

  setKeepAlive(_enable?: boolean, _initial_delay_ms?: number): this {
    return this
  }

  ref(): this {
    this.#refed = true
    this.#timer?.ref()
    return this
  }

  unref(): this {
    this.#refed = false
    this.#timer?.unref()
    return this
  }

  /** Emits 'timeout' after `ms` of inactivity (no bytes in or out), on the simulated clock; 0 turns it off. */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      // Node's getTimerDuration: a non-number is ERR_INVALID_ARG_TYPE, a negative or infinite one ERR_OUT_OF_RANGE.
      Reflect.apply(realNet.Socket.prototype.setTimeout, new realNet.Socket(), [ms])
      return this
    }
    this.timeout = ms
    if (this.#timer !== null) {
      this.#context.sim.timers.clearTimeout(this.#timer)
      this.#timer = null
    }
    if (ms === 0) {
      if (callback !== undefined) this.removeListener('timeout', callback)
      return this
    }
    if (!this.destroyed) {
      this.#timer = this.#context.sim.timers.setTimeout(() => this.emit('timeout'), ms)
      if (!this.#refed) this.#timer.unref()
    }
    if (callback !== undefined) this.once('timeout', callback)
    return this
  }

  #activity(): void {
    this.#timer?.refresh()
  }

  /** `destroy()` after the writable side has finished. */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  /** Closes with RST instead of FIN: the peer sees ECONNRESET. */
  resetAndDestroy(): this {
    if (this.#connection === null || !this.#connection.open) {
      this.destroy(codedError('ERR_SOCKET_CLOSED', 'Socket is closed'))
      return this
    }
    if (this.connecting) {
      this.once('connect', () => this.resetAndDestroy())
      return this
    }
    this.#reset_on_destroy = true
    this.destroy()
    return this
  }

  /** `socket.connect(port[, host][, listener])` or `socket.connect(options[, listener])`, over the simulated network. */
  connect(...args: unknown[]): this {
    const [options, listener] = normalizeArgs(args) as [Record<string, unknown>, (() => void) | null]
    if (options.path !== undefined && options.path !== null) failClosed('net.connect({ path })', 'network_protocol')
    if (this.destroyed) {
      // Node lets a destroyed socket connect again.
      ;(this as unknown as { _undestroy(): void })._undestroy()
      this.#connection = null
      this.#release ??= this.#context.hold()
    }
    const port = validatePort(options.port, 'Port')
    const host = options.host === undefined || options.host === null ? 'localhost' : String(options.host)
    if (this.connecting || this.#connection !== null) {
      // As Node: the second connect fails asynchronously (EALREADY while connecting, EISCONN once connected) and destroys the socket.
      const code = this.connecting ? 'EALREADY' : 'EISCONN'
      const local = this.localPort === undefined ? undefined : `${this.localAddress ?? ''}:${this.localPort}`
      const error = exceptionWithHostPort(code, 'connect', this.remoteAddress ?? host, port, local)
      this.#context.sim.loop.after(0, 'net.connect', () => this.destroy(error))
      return this
    }
    if (typeof listener === 'function') this.once('connect', listener)
    if (typeof options.timeout === 'number') this.setTimeout(options.timeout)
    this.connecting = true
    const from = this.#context.currentIndex()
    const literal = realNet.isIP(host) !== 0
    // Name resolution completes on a later turn of the loop, as getaddrinfo on the thread pool does.
    this.#context.sim.loop.after(0, 'net.lookup', () => {
      if (this.destroyed) return
      let address = host
      if (!literal) {
        const found = lookupNow(this.#context, host, from)
        if (found === null) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host })
          this.emit('lookup', error, undefined, undefined, host)
          this.destroy(error)
          return
        }
        address = found
        this.emit('lookup', null, address, 4, host)
      }
      this.#open(from, address, port)
    })
    return this
  }

  #open(from: number, address: string, port: number): void {
    const to = this.#context.resolve(address, from)
    this.remoteAddress = address
    this.remotePort = port
    this.remoteFamily = 'IPv4'
    if (to === -1) {
      this.destroy(exceptionWithHostPort('EHOSTUNREACH', 'connect', address, port))
      return
    }
    try {
      this.#connection = this.#context.model.transport.connect(from, to, port, this.events)
    } catch (error) {
      if (!(error instanceof StreamError)) throw error
      this.destroy(exceptionWithHostPort(error.code, 'connect', address, port))
      return
    }
    const loopback = from === to
    this.remoteAddress = loopback && isLoopbackName(address) ? address : this.#context.addressOf(to)
    this.localAddress = loopback && isLoopbackName(address) ? '127.0.0.1' : this.#context.addressOf(from)
    this.localPort = this.#connection.local_port
  }

  /** Binds an accepted connection to this socket (the server side). */
  attach(connection: Connection): void {
    this.#connection = connection
    const loopback = connection.local_index === connection.remote_index
    this.localAddress = loopback ? '127.0.0.1' : this.#context.addressOf(connection.local_index)
    this.localPort = connection.local_port
    this.remoteAddress = loopback ? '127.0.0.1' : this.#context.addressOf(connection.remote_index)
    this.remotePort = connection.remote_port
    this.remoteFamily = 'IPv4'
  }

  /**
   * After the peer's FIN, a socket that is not half-open has ended its side
   * too; writing then is Node's `writeAfterFIN`: EPIPE, "ended by the other party".
   */
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!this.#peer_ended || this.allowHalfOpen || !this.writableEnded) {
      return Reflect.apply(Duplex.prototype.write, this, [chunk, encoding, callback]) as boolean
    }
    const done = typeof encoding === 'function' ? encoding : callback
    const error = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' })
    if (typeof done === 'function') process.nextTick(done as (error: Error) => void, error)
    this.destroy(error)
    return false
  }

  /**
   * An 'error' nobody listens for would crash a Node process; Node's streams
   * emit it from the real nextTick, outside the simulated loop, where the
   * throw would escape the run. It fails the run instead, with that error.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.listenerCount('error') === 0) {
      const error = args[0] instanceof Error ? args[0] : new Error(`unhandled socket error: ${String(args[0])}`)
      this.#context.sim.loop.raise(error)
      return false
    }
    return super.emit(event, ...args)
  }

  // ---- stream.Duplex ----------------------------------------------------------------------------

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const connection = this.#connection
    if (connection === null || this.connecting) {
      this.#pending_writes.push({ chunk, callback })
      return
    }
    if (connection.pending_error !== null) {
      callback(errnoException(connection.pending_error, 'write'))
      return
    }
    if (!connection.open) {
      callback(errnoException('EPIPE', 'write'))
      return
    }
    this.#bytes_written += chunk.byteLength
    this.#activity()
    if (connection.write(chunk)) callback()
    else this.#held = { chunk, callback }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const connection = this.#connection
    if (connection === null || this.connecting) {
      this.#pending_final = callback
      return
    }
    connection.end()
    callback()
  }

  override _read(_size: number): void {
    this.#connection?.readMore()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.connecting = false
    if (this.#timer !== null) {
      this.#context.sim.timers.clearTimeout(this.#timer)
      this.#timer = null
    }
    const connection = this.#connection
    if (connection !== null && connection.open) {
      if (this.#reset_on_destroy) connection.reset()
      else connection.close()
    }
    this.#reset_on_destroy = false
    const had_error = error !== null && error !== undefined
    callback(error)
    // Node emits 'close' from the handle's close callback: a later turn of the loop, after 'error'.
    this.#context.sim.loop.after(0, 'net.close', () => {
      this.emit('close', had_error)
      this.#release?.()
      this.#release = null
    })
    const server = this._server
    if (server !== null) {
      server._connections--
      server._emitCloseIfDrained?.()
    }
  }

  // ---- StreamEvents: called by the transport on this socket's node ------------------------------

  /** The transport's view of this socket (a separate object: Duplex already has `end` and `writable`). */
  readonly events: StreamEvents = {
    connected: () => this.#connected(),
    data: (bytes) => {
      this.#bytes_read += bytes.byteLength
      this.#activity()
      this.push(Buffer.from(bytes))
    },
    end: () => {
      this.#peer_ended = true
      // As Node's onStreamRead at EOF: push the end, and read(0) so 'end' comes even if nobody reads.
      this.push(null)
      this.read(0)
    },
    failed: (code, syscall) => {
      const error =
        syscall === 'connect'
          ? exceptionWithHostPort(code, 'connect', this.remoteAddress ?? '', this.remotePort ?? 0)
          : errnoException(code, syscall)
      this.destroy(error)
    },
    writable: () => {
      const held = this.#held
      this.#held = null
      held?.callback()
    },
    unread: () => this.readableLength,
  }

  #connected(): void {
    this.connecting = false
    this.emit('connect')
    this.emit('ready')
    const pending = this.#pending_writes
    this.#pending_writes = []
    for (const write of pending) this._write(write.chunk, 'buffer' as BufferEncoding, write.callback)
    const final = this.#pending_final
    this.#pending_final = null
    if (final !== null) this._final(final)
  }
}
