/**
 * The register's writer: proposes a (version, value) to the replicas, retries
 * the ones that have not acknowledged, commits once a quorum has accepted. It
 * waits with plain `setTimeout`, so the same code runs on real timers and on
 * simulated ones, over any `Endpoint`.
 *
 * `ack_counting: 'messages'` is the deliberate bug of
 * `replicated-register-swarm-bug`: the writer counts acknowledgement messages,
 * not distinct replicas, and re-proposes to every replica on each attempt. A
 * replica that acknowledges twice (a retry that reached it, a duplicated
 * packet) then counts twice, and a value one replica accepted is committed.
 */
import type { Endpoint } from '../../src/net/endpoint.js'
import type { NodeId } from '../../src/net/topology.js'
import type { Recorder } from '../recorder.js'
import { QUORUM, type RegisterMessage } from './messages.js'

export type AckCounting = 'replicas' | 'messages'

export interface ClientOptions {
  readonly replicas: readonly NodeId[]
  /** How long one attempt waits for answers before retrying. */
  readonly attempt_timeout_ms: number
  readonly ack_counting?: AckCounting
}

export interface WriteOptions {
  readonly version: number
  readonly value: number
  readonly retry_limit: number
}

export interface WriteResult {
  readonly quorum: boolean
  /** Acknowledgements counted (distinct replicas, or messages under the bug). */
  readonly acks: number
  /** Replicas that answered the commit with ok. */
  readonly committed: number
}

/** The answers one phase (propose or commit of one value) is waiting for. */
interface Collector {
  readonly kind: 'accepted' | 'committed'
  readonly version: number
  readonly value: number
  reply(from: NodeId, ok: boolean): void
}

/** Attempts of one write at most: a bound on the retry loop. */
export const MAX_RETRY_LIMIT = 64

export class RegisterClient {
  #collector: Collector | null = null

  constructor(
    readonly endpoint: Endpoint<RegisterMessage>,
    readonly recorder: Recorder,
    readonly options: ClientOptions,
  ) {}

  /** Starts listening for the replicas' answers. */
  start(): void {
    this.endpoint.onMessage((message, from) => {
      const collector = this.#collector
      if (message.kind !== 'accepted' && message.kind !== 'committed') return
      // An answer to an earlier phase or write (late, duplicated) is not this phase's.
      if (collector === null || message.kind !== collector.kind || message.version !== collector.version || message.value !== collector.value) return
      collector.reply(from, message.ok)
    })
  }

  async write(options: WriteOptions): Promise<WriteResult> {
    const { version, value, retry_limit } = options
    if (!Number.isInteger(retry_limit) || retry_limit < 1 || retry_limit > MAX_RETRY_LIMIT) {
      throw new RangeError(`retry_limit must be an integer from 1 to ${MAX_RETRY_LIMIT}, got ${retry_limit}`)
    }
    const by_messages = this.options.ack_counting === 'messages'
    const acked = new Set<NodeId>()
    let ack_messages = 0
    const acks = (): number => (by_messages ? ack_messages : acked.size)
    this.recorder.record('register.write.start', { version, value, retry_limit })
    for (let attempt = 0; attempt < retry_limit && acks() < QUORUM; attempt++) {
      this.recorder.record('register.write.attempt', { index: attempt })
      const targets = this.options.replicas.filter((replica) => by_messages || !acked.has(replica))
      const answered = new Set<NodeId>()
      let answers = 0
      await this.#phase('accepted', version, value, targets, () => (by_messages ? answers : answered.size) >= targets.length, (from, ok) => {
        answered.add(from)
        answers++
        if (!ok) return
        acked.add(from)
        ack_messages++
      })
    }
    if (acks() < QUORUM) {
      this.recorder.record('register.write.no_quorum', { version, acks: acks() })
      return { quorum: false, acks: acks(), committed: 0 }
    }
    this.recorder.record('register.write.quorum', { version, value, acks: acks() })
    const replicas = this.options.replicas
    const committed = new Set<NodeId>()
    const answered = new Set<NodeId>()
    await this.#phase('committed', version, value, replicas, () => answered.size >= replicas.length, (from, ok) => {
      answered.add(from)
      if (ok) committed.add(from)
    })
    return { quorum: true, acks: acks(), committed: committed.size }
  }

  /** Sends one phase's message to `targets` and collects answers until `done()` or the attempt times out. */
  #phase(
    kind: 'accepted' | 'committed',
    version: number,
    value: number,
    targets: readonly NodeId[],
    done: () => boolean,
    reply: (from: NodeId, ok: boolean) => void,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        this.#collector = null
        resolve()
      }
      const timer = setTimeout(finish, this.options.attempt_timeout_ms)
      this.#collector = {
        kind,
        version,
        value,
        reply: (from, ok) => {
          reply(from, ok)
          if (done()) finish()
        },
      }
      const send_kind = kind === 'accepted' ? 'propose' : 'commit'
      for (const to of targets) {
        this.endpoint.send(to, { kind: send_kind, version, value })
        this.recorder.record('register.message', { kind: send_kind, to, version, value })
      }
    })
  }
}
