import { describeCode, describeReceived, errnoOf, rangeErrorWithCode } from '../fs/node_error.js'

/**
 * Errors shaped like the ones node:net, node:dns and node:http raise, so code
 * that checks `error.code`, `error.syscall`, `error.address` or the message
 * sees what it would see on Linux: `connect ECONNREFUSED 10.0.0.2:80`,
 * `read ECONNRESET`, `listen EADDRINUSE: address already in use 0.0.0.0:80`,
 * `getaddrinfo ENOTFOUND db`.
 */

export interface NetSystemError extends Error {
  errno: number
  code: string
  syscall: string
  address?: string
  port?: number
  hostname?: string
}

/** Node's `exceptionWithHostPort`: `connect ECONNREFUSED 127.0.0.1:8080`. */
export function exceptionWithHostPort(code: string, syscall: string, address: string, port: number, local?: string): NetSystemError {
  const details = (port > 0 ? `${address}:${port}` : address) + (local === undefined ? '' : ` - Local (${local})`)
  const error = new Error(`${syscall} ${code} ${details}`) as NetSystemError
  error.errno = -errnoOf(code)
  error.code = code
  error.syscall = syscall
  error.address = address
  if (port > 0) error.port = port
  return error
}

/** Node's `uvExceptionWithHostPort`: `listen EADDRINUSE: address already in use 0.0.0.0:8080`. */
export function uvExceptionWithHostPort(code: string, syscall: string, address: string, port: number): NetSystemError {
  const error = new Error(`${syscall} ${code}: ${describeCode(code)} ${address}:${port}`) as NetSystemError
  error.code = code
  error.errno = -errnoOf(code)
  error.syscall = syscall
  error.address = address
  error.port = port
  return error
}

/** Node's `errnoException`: `read ECONNRESET`, `write EPIPE`. */
export function errnoException(code: string, syscall: string): NetSystemError {
  const error = new Error(`${syscall} ${code}`) as NetSystemError
  error.errno = -errnoOf(code)
  error.code = code
  error.syscall = syscall
  return error
}

/** libuv's EAI_NONAME, as Node reports a name that does not resolve. */
const UV_EAI_NONAME = -3008

/** `getaddrinfo ENOTFOUND db`: dns.lookup of a name the simulated network does not know. */
export function notFound(hostname: string): NetSystemError {
  const error = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NetSystemError
  error.errno = UV_EAI_NONAME
  error.code = 'ENOTFOUND'
  error.syscall = 'getaddrinfo'
  error.hostname = hostname
  return error
}

/** ERR_SOCKET_BAD_PORT, with Node's wording (`options.port` for listen). */
export function badPort(name: string, port: unknown): RangeError & { code: string } {
  return rangeErrorWithCode('ERR_SOCKET_BAD_PORT', `${name} should be >= 0 and < 65536. Received ${describeReceived(port)}.`)
}

/** Node's validatePort: an integer-valued number or numeric string in [0, 65535]. */
export function validatePort(port: unknown, name: string, allow_zero = true): number {
  const ok =
    (typeof port === 'number' || (typeof port === 'string' && port.trim().length > 0)) &&
    +port === +port >>> 0 &&
    +port <= 0xffff &&
    (allow_zero || +port !== 0)
  if (!ok) throw badPort(name, port)
  return +port
}

/** A Node internal error with a code and message (`Listen method has been called more than once without closing.`). */
export function codedError(code: string, message: string): Error & { code: string } {
  const error = new Error(message) as Error & { code: string }
  error.code = code
  Object.defineProperty(error, 'toString', { value: () => `Error [${code}]: ${message}`, configurable: true, writable: true })
  if (error.stack !== undefined) {
    const at = error.stack.indexOf('\n    at ')
    error.stack = `Error [${code}]: ${message}${at === -1 ? '' : error.stack.slice(at)}`
  }
  return error
}
