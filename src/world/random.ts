import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator'
import { streamState, type Seed } from './seed.js'

/**
 * One independent stream of seeded randomness. Streams are derived by name from
 * the run's seed, so a new draw in one subsystem never shifts another's.
 */
export class Random {
  readonly #rng: JumpableRandomGenerator
  #draws = 0

  constructor(readonly seed: Seed, readonly stream: string) {
    this.#rng = xoroshiro128plusFromState(streamState(seed, stream))
  }

  /** How many values this stream has produced; part of replay diagnostics. */
  get draws(): number {
    return this.#draws
  }

  /** A uniform integer in [0, bound). `bound` is a positive safe integer. */
  intLessThan(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound <= 0) {
      throw new RangeError(`Random.intLessThan: bound must be a positive safe integer, got ${bound}`)
    }
    this.#draws++
    return uniformInt(this.#rng, 0, bound - 1)
  }

  /** A uniform integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`Random.intBetween: expected safe integers min <= max, got ${min}, ${max}`)
    }
    this.#draws++
    return uniformInt(this.#rng, min, max)
  }

  /** A uniform float in [0, 1) with 53 random bits: the simulated `Math.random()`. */
  float64(): number {
    this.#draws++
    return uniformFloat64(this.#rng)
  }

  /** Fills `bytes` with random bytes: the simulated `crypto.getRandomValues`. */
  fill(bytes: Uint8Array): Uint8Array {
    this.#draws++
    let i = 0
    for (; i + 4 <= bytes.length; i += 4) {
      const word = this.#rng.next()
      bytes[i] = word & 0xff
      bytes[i + 1] = (word >>> 8) & 0xff
      bytes[i + 2] = (word >>> 16) & 0xff
      bytes[i + 3] = (word >>> 24) & 0xff
    }
    if (i < bytes.length) {
      let word = this.#rng.next()
      for (; i < bytes.length; i++) {
        bytes[i] = word & 0xff
        word >>>= 8
      }
    }
    return bytes
  }

  /** A seeded permutation step: picks one element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.pick: empty list')
    return items[this.intLessThan(items.length)] as T
  }
}
