/**
 * Seeds: the one input from which a whole simulated run follows.
 *
 * Accepted forms, and only these:
 * - a decimal unsigned 64-bit integer: `12648430`
 * - a `0x` hexadecimal unsigned 64-bit integer: `0xC0FFEE`
 * - a 40-character git commit hash: `3f786850e387550fdab836ed7e6dc881de23001b`
 *
 * A seed expands to the full 128-bit xoroshiro128+ state (never all zero), so
 * seeds that differ only in their high bits still give different runs.
 */

export const SEED_FORMS =
  'a decimal unsigned 64-bit integer (e.g. 12648430), a 0x-prefixed hexadecimal 64-bit integer (e.g. 0xC0FFEE), or a 40-character git commit hash'

const U64_MAX = (1n << 64n) - 1n
const MASK_64 = U64_MAX

export class InvalidSeed extends Error {
  override name = 'InvalidSeed'
  constructor(readonly input: unknown, reason: string) {
    super(`invalid seed ${JSON.stringify(String(input))}: ${reason}. A seed is ${SEED_FORMS}.`)
  }
}

/** A parsed seed. `text` is its canonical spelling (decimal for integers, lowercase hex for git hashes). */
export interface Seed {
  readonly kind: 'u64' | 'git'
  readonly text: string
  /** 64-bit words the seed is made of: one for a u64 seed, three for a git hash (160 bits, zero padded). */
  readonly words: readonly bigint[]
}

export type SeedInput = string | number | bigint | Seed

export function parseSeed(input: SeedInput): Seed {
  if (typeof input === 'object' && input !== null && 'kind' in input) return input
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) {
      throw new InvalidSeed(input, 'a number seed must be a non-negative safe integer; pass larger seeds as a string or bigint')
    }
    return u64Seed(BigInt(input))
  }
  if (typeof input === 'bigint') {
    if (input < 0n || input > U64_MAX) throw new InvalidSeed(input, 'out of the unsigned 64-bit range')
    return u64Seed(input)
  }
  if (typeof input !== 'string') throw new InvalidSeed(input, `expected a string, number or bigint, got ${typeof input}`)
  const text = input.trim()
  if (/^[0-9a-fA-F]{40}$/.test(text)) {
    const hex = text.toLowerCase()
    const words = [BigInt('0x' + hex.slice(0, 16)), BigInt('0x' + hex.slice(16, 32)), BigInt('0x' + hex.slice(32, 40))]
    return { kind: 'git', text: hex, words }
  }
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) {
    if (text.length > 18) throw new InvalidSeed(input, 'hexadecimal seeds hold at most 16 digits (64 bits)')
    return u64Seed(BigInt(text))
  }
  if (/^[0-9]+$/.test(text)) {
    const value = BigInt(text)
    if (value > U64_MAX) throw new InvalidSeed(input, 'out of the unsigned 64-bit range (at most 18446744073709551615)')
    return u64Seed(value)
  }
  if (text === '') throw new InvalidSeed(input, 'it is empty')
  throw new InvalidSeed(input, 'not a recognised form')
}

function u64Seed(value: bigint): Seed {
  return { kind: 'u64', text: value.toString(10), words: [value] }
}

/** SplitMix64 step: a well-mixed 64-bit output from a 64-bit counter. */
export function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK_64
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64
  return (z ^ (z >> 31n)) & MASK_64
}

/** FNV-1a 64 of an ASCII name, used to separate derived streams. */
export function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i) & 0xff)
    h = (h * 0x100000001b3n) & MASK_64
  }
  return h
}

/**
 * The 128-bit generator state for the named stream of a seed, as the four
 * 32-bit words pure-rand's `xoroshiro128plusFromState` takes. Each stream mixes
 * every seed word with the stream's name, so streams are independent.
 */
export function streamState(seed: Seed, stream: string): [number, number, number, number] {
  let acc = splitmix64(fnv1a64(stream))
  for (const word of seed.words) acc = splitmix64(acc ^ word)
  const hi = splitmix64(acc ^ 0x5851f42d4c957f2dn)
  const lo = splitmix64(hi ^ acc)
  const state: [number, number, number, number] = [
    Number(hi >> 32n), Number(hi & 0xffffffffn), Number(lo >> 32n), Number(lo & 0xffffffffn),
  ]
  if (state.every((w) => w === 0)) state[3] = 1
  return state
}
