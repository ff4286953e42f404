/**
 * A small Redis server speaking RESP2, for the ioredis network sweep (docs/real-network.md). It
 * runs in the harness on one simulated node, over the simulated `node:net`, and answers what
 * ioredis 6 sends: HELLO (refused as Redis 5 refuses it, so ioredis falls back to RESP2), CLIENT
 * SETINFO / SETNAME / GETNAME, SELECT, INFO (its ready check), PING, ECHO, GET, SET, INCR, DEL,
 * QUIT. Every command it applies is in the trace (`redis.apply`), so a command ioredis resends
 * after a reset shows up as a second `redis.apply` of the same request.
 *
 * The store outlives connections (a server process that keeps running while connections reset).
 */
import type { Server, Socket } from 'node:net'
import type { World } from '../../../src/world/index.js'
import net from '../../../src/platform/modules/net.js'

/** Largest request the parser accepts: a client that sends more is cut off, as Redis's proto-max-bulk-len would. */
const MAX_REQUEST_BYTES = 64 * 1024
/** Arguments one request may carry. */
const MAX_ARGUMENTS = 64
const DATABASES = 16

export type Reply = { simple: string } | { error: string } | { integer: number } | { bulk: string | null }

export function encodeReply(reply: Reply): string {
  if ('simple' in reply) return `+${reply.simple}\r\n`
  if ('error' in reply) return `-${reply.error}\r\n`
  if ('integer' in reply) return `:${reply.integer}\r\n`
  if (reply.bulk === null) return '$-1\r\n'
  return `$${Buffer.byteLength(reply.bulk)}\r\n${reply.bulk}\r\n`
}

/**
 * Parses RESP2 requests (arrays of bulk strings, the only form clients send) from a byte stream
 * that may split them anywhere. `push` returns the complete requests, or throws on a protocol error.
 */
export class RequestParser {
  #buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): string[][] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    if (this.#buffer.length > MAX_REQUEST_BYTES) throw new Error('Protocol error: request too large')
    const requests: string[][] = []
    for (;;) {
      const parsed = this.#parseOne()
      if (parsed === null) break
      requests.push(parsed.args)
      this.#buffer = this.#buffer.subarray(parsed.end)
    }
    return requests
  }

  #line(at: number): { text: string; next: number } | null {
    const end = this.#buffer.indexOf('\r\n', at)
    if (end === -1) return null
    return { text: this.#buffer.toString('latin1', at, end), next: end + 2 }
  }

  #parseOne(): { args: string[]; end: number } | null {
    if (this.#buffer.length === 0) return null
    const header = this.#line(0)
    if (header === null) return null
    if (header.text[0] !== '*') throw new Error(`Protocol error: expected '*', got '${header.text[0]}'`)
    const count = Number(header.text.slice(1))
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_ARGUMENTS) throw new Error('Protocol error: invalid multibulk length')
    const args: string[] = []
    let at = header.next
    for (let i = 0; i < count; i++) {
      const length_line = this.#line(at)
      if (length_line === null) return null
      if (length_line.text[0] !== '$') throw new Error(`Protocol error: expected '$', got '${length_line.text[0]}'`)
      const length = Number(length_line.text.slice(1))
      if (!Number.isSafeInteger(length) || length < 0 || length > MAX_REQUEST_BYTES) throw new Error('Protocol error: invalid bulk length')
      if (this.#buffer.length < length_line.next + length + 2) return null
      args.push(this.#buffer.toString('utf8', length_line.next, length_line.next + length))
      at = length_line.next + length + 2
    }
    return { args, end: at }
  }
}

interface ConnectionState {
  readonly id: number
  db: number
  name: string | null
  /** With `rollback_on_reset`: how to undo this connection's writes (database, key, previous value). */
  readonly undo: [number, string, string | undefined][]
}

export interface RespServerOptions {
  /** INFO reports `loading:1` for the first `loading_infos` INFO requests (the ready check waits). */
  loading_infos?: number
  /**
   * The negative control's broken server: the writes of a connection that ends in a reset are
   * undone, replies already sent or not (a server that loses acknowledged writes).
   */
  rollback_on_reset?: boolean
}

/** The store and the command table; `serve` attaches them to sockets. */
export class RespServer {
  readonly databases: Map<string, string>[] = Array.from({ length: DATABASES }, () => new Map())
  /** Commands applied, in order (each a `redis.apply` trace event too). */
  applied = 0
  #connections = 0
  #loading_infos: number
  readonly #rollback_on_reset: boolean
  #server: Server | null = null
  readonly #sockets = new Set<Socket>()

  constructor(
    readonly world: World,
    options: RespServerOptions = {},
  ) {
    this.#loading_infos = options.loading_infos ?? 0
    this.#rollback_on_reset = options.rollback_on_reset ?? false
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#connections
  }

  /** Listens on `port` (call inside `sim.network.onNode(server_node, ...)`). */
  listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.#serve(socket))
    this.#server = server
    return new Promise((resolve) => server.listen(port, resolve))
  }

  /** Stops listening and destroys every open connection (the end of a run). */
  close(): void {
    for (const socket of this.#sockets) socket.destroy()
    this.#server?.close()
  }

  #serve(socket: Socket): void {
    const state: ConnectionState = { id: ++this.#connections, db: 0, name: null, undo: [] }
    this.#sockets.add(socket)
    this.world.record('redis.accept', { conn: state.id, port: socket.remotePort ?? 0 })
    const parser = new RequestParser()
    socket.on('data', (chunk: Buffer) => {
      let requests: string[][]
      try {
        requests = parser.push(chunk)
      } catch (error) {
        socket.end(encodeReply({ error: `ERR ${(error as Error).message}` }))
        return
      }
      let out = ''
      for (const args of requests) {
        const reply = this.execute(state, args)
        if (reply === 'quit') {
          socket.end(out + encodeReply({ simple: 'OK' }))
          return
        }
        out += encodeReply(reply)
      }
      if (out !== '' && !socket.destroyed) socket.write(out)
    })
    // Resets and timeouts reach the server's end too; a server logs them and drops the connection.
    socket.on('error', (error: Error & { code?: string }) => {
      this.world.record('redis.conn_error', { conn: state.id, code: error.code ?? 'none' })
      if (this.#rollback_on_reset) this.#rollback(state)
    })
    socket.on('close', () => {
      this.#sockets.delete(socket)
      this.world.record('redis.conn_close', { conn: state.id })
    })
  }

  #rollback(state: ConnectionState): void {
    for (const [db, key, previous] of state.undo.reverse()) {
      if (previous === undefined) this.databases[db]!.delete(key)
      else this.databases[db]!.set(key, previous)
    }
    this.world.record('redis.rollback', { conn: state.id, writes: state.undo.length })
    state.undo.length = 0
  }

  #remember(state: ConnectionState, key: string): void {
    if (this.#rollback_on_reset) state.undo.push([state.db, key, this.databases[state.db]!.get(key)])
  }

  /** Runs one request on a connection; every command that reaches the store is recorded. */
  execute(state: ConnectionState, args: readonly string[]): Reply | 'quit' {
    const name = (args[0] ?? '').toLowerCase()
    const key = args[1] ?? ''
    const db = this.databases[state.db]!
    const arity = (n: number): Reply | null => (args.length === n ? null : { error: `ERR wrong number of arguments for '${name}' command` })
    let reply: Reply
    switch (name) {
      case 'hello':
        // Redis 5's answer: ioredis reads "unknown command ... HELLO" as "no RESP3" and downgrades.
        return { error: `ERR unknown command 'HELLO', with args beginning with: ${args.slice(1).map((a) => `'${a}' `).join('')}` }
      case 'ping':
        return args.length > 1 ? { bulk: key } : { simple: 'PONG' }
      case 'echo':
        return arity(2) ?? { bulk: key }
      case 'quit':
        return 'quit'
      case 'select': {
        const index = Number(key)
        if (!Number.isInteger(index) || index < 0 || index >= DATABASES) return { error: 'ERR DB index is out of range' }
        state.db = index
        return { simple: 'OK' }
      }
      case 'client': {
        const sub = key.toLowerCase()
        if (sub === 'setname') {
          state.name = args[2] ?? ''
          return { simple: 'OK' }
        }
        if (sub === 'getname') return { bulk: state.name }
        if (sub === 'setinfo') return { simple: 'OK' }
        return { error: `ERR unknown subcommand '${key}'` }
      }
      case 'info': {
        const loading = this.#loading_infos > 0 ? 1 : 0
        if (this.#loading_infos > 0) this.#loading_infos--
        this.world.record('redis.info', { conn: state.id, loading })
        return { bulk: `# Server\r\nredis_version:5.0.14\r\n# Persistence\r\nloading:${loading}\r\nloading_eta_seconds:1\r\n` }
      }
      case 'get':
        return arity(2) ?? { bulk: db.get(key) ?? null }
      case 'set': {
        const wrong = arity(3)
        if (wrong !== null) return wrong
        this.#remember(state, key)
        db.set(key, args[2]!)
        reply = { simple: 'OK' }
        break
      }
      case 'incr': {
        const wrong = arity(2)
        if (wrong !== null) return wrong
        const value = Number(db.get(key) ?? '0')
        if (!Number.isSafeInteger(value)) return { error: 'ERR value is not an integer or out of range' }
        this.#remember(state, key)
        db.set(key, String(value + 1))
        reply = { integer: value + 1 }
        break
      }
      case 'del': {
        if (args.length < 2) return { error: `ERR wrong number of arguments for 'del' command` }
        let removed = 0
        for (const k of args.slice(1)) {
          this.#remember(state, k)
          if (db.delete(k)) removed++
        }
        reply = { integer: removed }
        break
      }
      default:
        return { error: `ERR unknown command '${args[0] ?? ''}', with args beginning with: ` }
    }
    this.applied++
    this.world.recordFields('redis.apply', { conn: state.id, cmd: name, key, result: 'integer' in reply ? reply.integer : 'OK' })
    return reply
  }
}
