import { EPHEMERAL_PORT_MIN, PORT_MAX, type Connection, type StreamEvents } from './connection.js'

/** A listening port of one node. */
export interface Listener {
  readonly port: number
  readonly loopback_only: boolean
  /** Returns the new connection's events, or null to refuse it (RST). */
  readonly accept: (connection: Connection) => StreamEvents | null
}

/** Why a port cannot be had: in use, none free, or too many connections. */
export class StreamError extends Error {
  constructor(readonly code: 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'EMFILE') {
    super(code)
  }
}

/**
 * One node's ports: its listeners, its connections, and which local ports they
 * hold. Client connections get ports counted from EPHEMERAL_PORT_MIN (a count:
 * deterministic, no draw). Node listens with SO_REUSEADDR, so connections a
 * listener accepted (open or in TIME_WAIT) do not keep a new listener off
 * their port, while a client connection's port does.
 */
export class NodeStack {
  readonly listeners = new Map<number, Listener>()
  readonly connections = new Map<number, Connection>()
  /** Local ports held by connections, with how many hold each. */
  readonly #ports = new Map<number, number>()
  /** Of those, the holds of connections a listener accepted. */
  readonly #accepted_ports = new Map<number, number>()
  #next_ephemeral = EPHEMERAL_PORT_MIN

  /** Starts listening on `port` (0: an ephemeral one); returns the port. Throws StreamError EADDRINUSE. */
  listen(port: number, loopback_only: boolean, accept: Listener['accept']): number {
    const chosen = port === 0 ? this.ephemeral() : port
    const held = (this.#ports.get(chosen) ?? 0) - (this.#accepted_ports.get(chosen) ?? 0)
    if (this.listeners.has(chosen) || held > 0) throw new StreamError('EADDRINUSE')
    this.listeners.set(chosen, { port: chosen, loopback_only, accept })
    return chosen
  }

  /** The next free ephemeral port; throws StreamError EADDRNOTAVAIL when every one is taken. */
  ephemeral(): number {
    const span = PORT_MAX - EPHEMERAL_PORT_MIN + 1
    for (let tries = 0; tries < span; tries++) {
      const port = this.#next_ephemeral
      this.#next_ephemeral = port === PORT_MAX ? EPHEMERAL_PORT_MIN : port + 1
      if (!this.listeners.has(port) && !this.#ports.has(port)) return port
    }
    throw new StreamError('EADDRNOTAVAIL')
  }

  add(connection: Connection): void {
    this.connections.set(connection.key, connection)
    count(this.#ports, connection.local_port, 1)
    if (connection.accepted) count(this.#accepted_ports, connection.local_port, 1)
  }

  remove(connection: Connection): void {
    if (this.connections.get(connection.key) === connection) this.connections.delete(connection.key)
    count(this.#ports, connection.local_port, -1)
    if (connection.accepted) count(this.#accepted_ports, connection.local_port, -1)
  }
}

function count(holds: Map<number, number>, port: number, delta: 1 | -1): void {
  const next = (holds.get(port) ?? 0) + delta
  if (next < 0) throw new Error(`NodeStack: port ${port} released more often than held`)
  if (next === 0) holds.delete(port)
  else holds.set(port, next)
}
