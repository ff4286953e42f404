import { createRequire } from 'node:module'
import { isLoopbackName } from '../../net/hosts.js'
import type { Connection, StreamEvents } from '../../net/stream.js'
import { StreamError } from '../../net/stream.js'
import { failClosed } from '../unsupported.js'
import type { NetContext } from './context.js'
import { lookupNow } from './dns.js'
import { codedError, notFound, uvExceptionWithHostPort, validatePort } from './errors.js'
import { SimSocket } from './socket.js'

/**
 * Servers on the simulated network: Node's own `net.Server` and `http.Server`
 * objects, given a simulated `listen`. Listening puts a stand-in for the native
 * handle on `server._handle`, so Node's `close()`, `address()`, `listening`,
 * `ref()`/`unref()` and 'close' bookkeeping work unchanged; each accepted
 * connection is a SimSocket emitted as 'connection', which is how http.Server
 * receives its sockets too.
 */

const require = createRequire(import.meta.url)
const realNet = require('node:net') as typeof import('node:net')

/** The members of net.Server a simulated listen touches. */
interface ServerLike {
  _handle: unknown
  _connections: number
  maxConnections?: number
  allowHalfOpen?: boolean
  pauseOnConnect?: boolean
  highWaterMark?: number
  listening: boolean
  emit(event: string, ...args: unknown[]): boolean
  once(event: string, listener: (...args: unknown[]) => void): unknown
}

const SIMULATED = Symbol('marionette.simulated_server')

/** Gives a real net.Server (or http.Server) the simulated `listen` of `context`'s network. */
export function simulateServer<S extends object>(server: S, context: NetContext): S {
  Object.defineProperty(server, 'listen', {
    value: function listen(this: ServerLike, ...args: unknown[]) {
      listenOn(this, context, args)
      return this
    },
    writable: true,
    configurable: true,
    enumerable: false,
  })
  Object.defineProperty(server, SIMULATED, { value: true })
  return server
}

function parseListen(args: unknown[]): { port: number; host: string | undefined; callback: unknown } {
  let callback: unknown = undefined
  const rest = [...args]
  if (typeof rest[rest.length - 1] === 'function') callback = rest.pop()
  const first = rest[0]
  if (first !== null && typeof first === 'object') {
    const options = first as Record<string, unknown>
    if (options.path !== undefined || options.handle !== undefined || options._handle !== undefined || options.fd !== undefined) {
      failClosed('net.Server.listen({ path | handle | fd })', 'network_protocol')
    }
    const port = options.port === undefined || options.port === null ? 0 : validatePort(options.port, 'options.port')
    return { port, host: typeof options.host === 'string' ? options.host : undefined, callback }
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) failClosed('net.Server.listen(path)', 'network_protocol')
  const port = first === undefined || first === null ? 0 : validatePort(first, 'options.port')
  return { port, host: typeof rest[1] === 'string' ? rest[1] : undefined, callback }
}

function listenOn(server: ServerLike, context: NetContext, args: unknown[]): void {
  if (server._handle !== null && server._handle !== undefined) {
    throw codedError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.')
  }
  const { port, host, callback } = parseListen(args)
  if (typeof callback === 'function') server.once('listening', callback as () => void)
  const loop = context.sim.loop
  const index = context.currentIndex()
  const any = host === undefined || host === '' || host === '0.0.0.0' || host === '::'
  const loopback_only = !any && isLoopbackName(host as string)
  let address = host === undefined || host === '' ? '::' : host === 'localhost' ? '127.0.0.1' : host
  const fail = (error: Error): void => {
    loop.nextTick(() => server.emit('error', error))
  }
  if (!any && !loopback_only) {
    const found = lookupNow(context, host as string, index)
    if (found === null) return fail(notFound(host as string))
    address = found
    if (context.resolve(found, index) !== index) return fail(uvExceptionWithHostPort('EADDRNOTAVAIL', 'listen', found, port))
  }
  const transport = context.model.transport
  let bound: number
  try {
    bound = transport.listen(index, port, loopback_only, (connection) => accept(server, context, connection))
  } catch (error) {
    if (!(error instanceof StreamError)) throw error
    return fail(uvExceptionWithHostPort(error.code, 'listen', address, port))
  }
  const release = context.hold()
  const family = realNet.isIPv6(address) ? 'IPv6' : 'IPv4'
  server._handle = {
    close(): void {
      transport.unlisten(index, bound)
      release()
    },
    getsockname(out: Record<string, unknown>): number {
      out.address = address
      out.family = family
      out.port = bound
      return 0
    },
    ref(): void {},
    unref(): void {},
  }
  loop.nextTick(() => server.emit('listening'))
}

function accept(server: ServerLike, context: NetContext, connection: Connection): StreamEvents | null {
  if (server.maxConnections !== undefined && server.maxConnections !== null && server._connections >= server.maxConnections) {
    server.emit('drop', { localAddress: undefined, localPort: connection.local_port, remotePort: connection.remote_port })
    return null
  }
  const socket = new SimSocket(context, {
    allowHalfOpen: server.allowHalfOpen === true,
    pauseOnCreate: server.pauseOnConnect === true,
    ...(typeof server.highWaterMark === 'number' ? { highWaterMark: server.highWaterMark } : {}),
  })
  socket.attach(connection)
  server._connections++
  socket.server = server
  socket._server = server
  server.emit('connection', socket)
  return socket.events
}
