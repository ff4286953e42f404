/**
 * The toy database and its client, each over a typed `Endpoint<DbMessage>`
 * (a codec transport in the scenarios). The database holds one value; the
 * client retries a request whose response does not come within its timeout
 * (every request is idempotent, so a retry is safe), using plain timers.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import { describe, type DbMessage, type Request, type Response } from './protocol.js'

export class Db {
  #value: bigint | null = null

  execute(request: Request): Response {
    switch (request.kind) {
      case 'ping':
        return { kind: 'pong' }
      case 'insert':
        this.#value = request.value
        return { kind: 'insert_one' }
      case 'select_value':
        return this.#value === null ? { kind: 'empty' } : { kind: 'row', value: this.#value }
    }
  }
}

/** Serves requests arriving on `endpoint`, answering each to its sender. */
export function serve(db: Db, endpoint: Endpoint<DbMessage>, recorder: Recorder): void {
  endpoint.onMessage((message, from) => {
    if (message.kind === 'pong' || message.kind === 'insert_one' || message.kind === 'row' || message.kind === 'empty') return
    const response = db.execute(message)
    recorder.recordFields('db.server.execute', { request: describe(message), response: describe(response) })
    endpoint.send(from, response)
  })
}

/** Attempts of one request at most. */
export const MAX_ATTEMPTS = 32

export class DbClient {
  #pending: ((response: Response) => void) | null = null

  constructor(
    readonly endpoint: Endpoint<DbMessage>,
    readonly server: NodeId,
    readonly recorder: Recorder,
    readonly timeout_ms: number,
  ) {
    endpoint.onMessage((message) => {
      if (message.kind === 'ping' || message.kind === 'insert' || message.kind === 'select_value') return
      this.#pending?.(message)
    })
  }

  async call(request: Request): Promise<Response> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      this.recorder.recordFields('db.client.request', { request: describe(request), attempt })
      const response = await new Promise<Response | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), this.timeout_ms)
        this.#pending = (message) => {
          clearTimeout(timer)
          resolve(message)
        }
        this.endpoint.send(this.server, request)
      })
      this.#pending = null
      if (response !== null) {
        this.recorder.recordFields('db.client.response', { response: describe(response) })
        return response
      }
    }
    throw new Error(`no response to ${describe(request)} after ${MAX_ATTEMPTS} attempts`)
  }
}
