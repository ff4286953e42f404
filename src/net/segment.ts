/** A stream transport segment: what one packet of a connection carries. */

export const enum SegmentKind {
  Syn,
  SynAck,
  Data,
  Ack,
  Fin,
  Rst,
  Probe,
}

const NAMES = ['syn', 'syn_ack', 'data', 'ack', 'fin', 'rst', 'probe'] as const

/** Immutable once sent: a duplicate or a retransmission may deliver the same object again. */
export class Segment {
  constructor(
    readonly kind: SegmentKind,
    readonly src_port: number,
    readonly dst_port: number,
    /** Data: the first byte's offset; FIN: the offset after the last byte. */
    readonly seq: number,
    /** The next byte the sender expects (cumulative acknowledgement). */
    readonly ack: number,
    /** The sender's free receive window in bytes. */
    readonly window: number,
    readonly bytes: Uint8Array | null,
  ) {}
}

/** The `msg=` of the segment's `network.send` event: `data:49152>80:0+5`, `ack:80>49152:5:w65536`. */
export function segmentLabel(segment: Segment): string {
  const head = `${NAMES[segment.kind]}:${segment.src_port}>${segment.dst_port}`
  switch (segment.kind) {
    case SegmentKind.Data:
      return `${head}:${segment.seq}+${(segment.bytes as Uint8Array).byteLength}`
    case SegmentKind.Ack:
    case SegmentKind.Probe:
      return `${head}:${segment.ack}:w${segment.window}`
    case SegmentKind.Fin:
      return `${head}:${segment.seq}`
    default:
      return head
  }
}
