import { createRequire } from 'node:module'

/**
 * The real platform functions, captured once per thread before anything can
 * replace them. The leak tripwires (leaks.ts) swap some globals for thin
 * wrappers while a simulation runs; the simulated platform must keep calling
 * the originals, even from a second copy of this package (source and dist)
 * loaded later, so the capture lives on globalThis under a registered symbol
 * and the first copy to load wins.
 */
/** The global `performance` and `crypto` types (@types/node; the DOM lib is not loaded). */
export type PerformanceObject = typeof globalThis.performance
export type WebCrypto = typeof globalThis.crypto

export interface RealPlatform {
  readonly Date: DateConstructor
  readonly dateNow: () => number
  readonly mathRandom: () => number
  readonly performance: PerformanceObject
  readonly performanceNow: () => number
  readonly setTimeout: typeof globalThis.setTimeout
  readonly clearTimeout: typeof globalThis.clearTimeout
  readonly setInterval: typeof globalThis.setInterval
  readonly clearInterval: typeof globalThis.clearInterval
  readonly setImmediate: typeof globalThis.setImmediate
  readonly clearImmediate: typeof globalThis.clearImmediate
  readonly hrtime: NodeJS.HRTime
  readonly hrtimeBigint: () => bigint
  readonly nextTick: typeof process.nextTick
  readonly crypto: WebCrypto
  readonly cryptoGetRandomValues: WebCrypto['getRandomValues']
  readonly cryptoRandomUUID: WebCrypto['randomUUID']
  /** node:fs as `require('fs')` returns it (the object Node's own loader reads through). */
  readonly fs: typeof import('node:fs')
}

const REAL = Symbol.for('marionette.real_platform')
/** Globals are read through this variable so a transform that rewrites `Date`, `Math.random`, ... finds nothing here. */
const G: typeof globalThis = globalThis

function capture(): RealPlatform {
  const require = createRequire(import.meta.url)
  const crypto = G.crypto
  const crypto_prototype = Object.getPrototypeOf(crypto) as WebCrypto
  const performance = G.performance
  const performance_prototype = Object.getPrototypeOf(performance) as PerformanceObject
  return Object.freeze({
    Date: G.Date,
    dateNow: G.Date.now,
    mathRandom: G.Math.random,
    performance,
    // The prototype's method: an own `now` on the instance would be a tripwire.
    performanceNow: performance_prototype.now,
    setTimeout: G.setTimeout,
    clearTimeout: G.clearTimeout,
    setInterval: G.setInterval,
    clearInterval: G.clearInterval,
    setImmediate: G.setImmediate,
    clearImmediate: G.clearImmediate,
    hrtime: G.process.hrtime,
    hrtimeBigint: G.process.hrtime.bigint,
    nextTick: G.process.nextTick,
    crypto,
    cryptoGetRandomValues: crypto_prototype.getRandomValues,
    cryptoRandomUUID: crypto_prototype.randomUUID,
    fs: require('node:fs') as typeof import('node:fs'),
  })
}

const holder = globalThis as unknown as Record<symbol, RealPlatform | undefined>

/** The originals, as they were when the first copy of the platform loaded in this thread. */
export const real: RealPlatform = (holder[REAL] ??= capture())
