/**
 * The replicated register's wire vocabulary: what the client and the replicas
 * say to each other, the cluster's shape, and a binary codec for transports
 * that carry bytes (the production loopback transport of the parity test).
 */
import type { Codec } from '../../src/net/codec.js'
import type { NodeId } from '../../src/net/topology.js'

/** Replicas are nodes 0, 1 and 2; the client is node 3 (the seeds' layout). */
export const REPLICA_NODES: readonly NodeId[] = [0, 1, 2]
export const CLIENT_NODE: NodeId = 3
/** A majority of three: any two quorums share a replica. */
export const QUORUM = 2

/** One (version, value) pair: what a replica accepts and commits. */
export interface RegisterValue {
  readonly version: number
  readonly value: number
}

export type RegisterMessage =
  | { readonly kind: 'propose' | 'commit'; readonly version: number; readonly value: number }
  /** A replica's answer to a propose (`accepted`) or a commit (`committed`); `ok` false is a rejection. */
  | { readonly kind: 'accepted' | 'committed'; readonly version: number; readonly value: number; readonly ok: boolean }

/** The `msg=` label of a `network.send` trace line. */
export function describeMessage(message: RegisterMessage): string {
  const base = `${message.kind}:${message.version}:${message.value}`
  return 'ok' in message ? `${base}:${message.ok}` : base
}

const KINDS = ['propose', 'commit', 'accepted', 'committed'] as const
export const MESSAGE_SIZE_BYTES = 10

/**
 * 10 bytes: kind (u8), ok (u8), version (u32), value (i32), little-endian.
 * `decode` rejects anything else, so a damaged frame is never a message.
 */
export const registerCodec: Codec<RegisterMessage> = {
  encode(message) {
    if (!Number.isInteger(message.version) || message.version < 0 || message.version > 0xffffffff) {
      throw new RangeError(`register message: version must be a u32, got ${message.version}`)
    }
    if (!Number.isInteger(message.value) || message.value < -0x80000000 || message.value > 0x7fffffff) {
      throw new RangeError(`register message: value must be an i32, got ${message.value}`)
    }
    const bytes = new Uint8Array(MESSAGE_SIZE_BYTES)
    const view = new DataView(bytes.buffer)
    view.setUint8(0, KINDS.indexOf(message.kind))
    view.setUint8(1, 'ok' in message && message.ok ? 1 : 0)
    view.setUint32(2, message.version, true)
    view.setInt32(6, message.value, true)
    return bytes
  },
  decode(bytes) {
    if (bytes.byteLength !== MESSAGE_SIZE_BYTES) throw new RangeError(`a register message is ${MESSAGE_SIZE_BYTES} bytes, got ${bytes.byteLength}`)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const kind = KINDS[view.getUint8(0)]
    const ok_byte = view.getUint8(1)
    if (kind === undefined || ok_byte > 1) throw new RangeError(`bad register message header ${view.getUint8(0)}:${ok_byte}`)
    const version = view.getUint32(2, true)
    const value = view.getInt32(6, true)
    if (kind === 'propose' || kind === 'commit') return { kind, version, value }
    return { kind, version, value, ok: ok_byte === 1 }
  },
}
