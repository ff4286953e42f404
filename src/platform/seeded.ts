import { types } from 'node:util'
import type { RandomSource } from '../sim/env.js'

/** Seeded randomness in the shapes Node's crypto hands out. */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** A version 4 UUID (lowercase, 8-4-4-4-12, variant 10xx) from 16 seeded bytes, as `crypto.randomUUID()` formats it. */
export function seededUUID(random: RandomSource): string {
  const b = random.fill(new Uint8Array(16))
  b[6] = ((b[6] as number) & 0x0f) | 0x40
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const h = (i: number): string => HEX[b[i] as number] as string
  return (
    h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + h(6) + h(7) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  )
}

/** What Web Crypto's `getRandomValues` accepts: an integer typed array (not a float array, not a DataView). */
export function isIntegerTypedArray(value: unknown): value is ArrayBufferView {
  return types.isTypedArray(value) && !types.isFloat32Array(value) && !types.isFloat64Array(value)
}

/** Fills `length` bytes of `target` (an ArrayBuffer or a view) from `offset` with seeded bytes. */
export function fillSeeded(random: RandomSource, target: ArrayBufferLike | ArrayBufferView, offset: number, length: number): void {
  if (length === 0) return
  const bytes = ArrayBuffer.isView(target)
    ? new Uint8Array(target.buffer, target.byteOffset + offset, length)
    : new Uint8Array(target, offset, length)
  random.fill(bytes)
}
