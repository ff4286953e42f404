import { createRequire } from 'node:module'
import type { Simulation } from '../../sim/simulation.js'
import { slot } from '../active.js'
import { crypto_getRandomValues, GET_RANDOM_VALUES_MAX_BYTES } from '../globals.js'
import { fillSeeded, isIntegerTypedArray, seededUUID } from '../seeded.js'
import { failClosed } from '../unsupported.js'
import { failsClosedInside, moduleProxy, simulatedOr } from './module_proxy.js'

/**
 * node:crypto. Randomness is simulated inside a simulation (seeded from the
 * `env` stream, like `Math.random`); hashing, HMAC, ciphers, KDFs, signing and
 * key objects stay real (they are deterministic functions of their inputs).
 * Key and prime generation fail closed (they draw real randomness), and so does
 * `crypto.subtle` (it completes on real threads, outside the simulated loop).
 * The callback forms of the KDFs, `checkPrime`, `sign` and `verify` compute
 * synchronously and deliver their callback as a simulated operation, so a
 * simulation never waits on the real thread pool.
 *
 * Argument validation is Node's own: whatever the simulated version does not
 * accept is passed to the real function, which throws its usual error.
 */

const require = createRequire(import.meta.url)
type NodeCrypto = typeof import('node:crypto')
type Callback = (error: Error | null, ...results: unknown[]) => void

/** 2^48 - 1: `randomInt`'s largest range. */
const RANDOM_INT_MAX_RANGE = 0xffff_ffff_ffff
/** `randomBytes`' largest size. */
const MAX_SIZE = 2 ** 31 - 1

/** Calls the real function with arguments the simulated one rejects; it throws Node's own error. */
function rejectLikeNode(real: NodeCrypto, name: string, args: unknown[]): never {
  Reflect.apply((real as unknown as Record<string, Function>)[name] as Function, real, args)
  throw new Error(`marionette: crypto.${name} accepted arguments its simulated version rejects (${args.length} arguments); please report this`)
}

/** Completes an asynchronous crypto call as a simulated operation, so the callback runs in simulated time. */
function deliver(sim: Simulation, label: string, callback: Callback, error: Error | null, ...results: unknown[]): void {
  sim.loop.after(0, label, () => callback(error, ...results))
}

export function cryptoModule(): NodeCrypto {
  const real = require('node:crypto') as NodeCrypto
  const real_record = real as unknown as Record<string, Function>

  function seededBytes(sim: Simulation, args: unknown[]): unknown {
    const [size, callback] = args
    if (callback !== undefined && typeof callback !== 'function') rejectLikeNode(real, 'randomBytes', args)
    if (typeof size !== 'number' || !(size >= 0 && size <= MAX_SIZE)) rejectLikeNode(real, 'randomBytes', [size])
    const bytes = Buffer.alloc(size >>> 0)
    sim.env.random.fill(bytes)
    if (callback === undefined) return bytes
    deliver(sim, 'crypto.randomBytes', callback as Callback, null, bytes)
    return undefined
  }

  /** Node's offset/size rules for randomFill(Sync): validated by the real randomFillSync, then overwritten with seeded bytes. */
  function seededFill(sim: Simulation, buf: unknown, offset: unknown, size: unknown): void {
    const fill_args: unknown[] = [buf]
    if (offset !== undefined) fill_args.push(offset)
    if (size !== undefined) fill_args.push(size)
    // Validates exactly as Node does (and throws its errors); the real bytes it writes are overwritten next.
    Reflect.apply(real.randomFillSync, real, fill_args)
    const target = buf as ArrayBufferLike | ArrayBufferView
    const element_size = (target as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1
    const byte_offset = offset === undefined ? 0 : ((offset as number) * element_size) >>> 0
    const byte_size = size === undefined ? target.byteLength - byte_offset : ((size as number) * element_size) >>> 0
    fillSeeded(sim.env.random, target, byte_offset, byte_size)
  }

  const randomFillSync = simulatedOr(real, 'randomFillSync', (sim, args) => {
    seededFill(sim, args[0], args[1], args[2])
    return args[0]
  })

  const randomFill = simulatedOr(real, 'randomFill', (sim, args) => {
    const [buf] = args
    let [, offset, size, callback] = args
    if (typeof offset === 'function') {
      callback = offset
      offset = undefined
      size = undefined
    } else if (typeof size === 'function') {
      callback = size
      size = undefined
    }
    if (typeof callback !== 'function') rejectLikeNode(real, 'randomFill', args)
    seededFill(sim, buf, offset, size)
    deliver(sim, 'crypto.randomFill', callback as Callback, null, buf)
    return undefined
  })

  const randomInt = simulatedOr(real, 'randomInt', (sim, args) => {
    let [min, max, callback] = args
    if (typeof max === 'undefined' || typeof max === 'function') {
      callback = max
      max = min
      min = 0
    }
    const valid =
      (callback === undefined || typeof callback === 'function') &&
      Number.isSafeInteger(min) &&
      Number.isSafeInteger(max) &&
      (max as number) > (min as number) &&
      (max as number) - (min as number) <= RANDOM_INT_MAX_RANGE
    if (!valid) rejectLikeNode(real, 'randomInt', args)
    const value = sim.env.random.intBetween(min as number, (max as number) - 1)
    if (callback === undefined) return value
    deliver(sim, 'crypto.randomInt', callback as Callback, null, value)
    return undefined
  })

  const randomUUID = simulatedOr(real, 'randomUUID', (sim, args) => {
    // Node validates the options object; let it (the real UUID it makes is discarded).
    if (args[0] !== undefined) Reflect.apply(real.randomUUID, real, args)
    return seededUUID(sim.env.random)
  })

  const getRandomValues = simulatedOr(real, 'getRandomValues', (sim, args) => {
    const array = args[0]
    if (args.length === 0 || !isIntegerTypedArray(array) || array.byteLength > GET_RANDOM_VALUES_MAX_BYTES) {
      rejectLikeNode(real, 'getRandomValues', args)
    }
    sim.env.random.fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
    return array
  })

  const randomBytes = simulatedOr(real, 'randomBytes', (sim, args) => seededBytes(sim, args))
  const deprecated_aliases: Record<string, unknown> = {}
  for (const alias of ['pseudoRandomBytes', 'prng', 'rng']) {
    if (typeof real_record[alias] === 'function') deprecated_aliases[alias] = simulatedOr(real, alias, (sim, args) => seededBytes(sim, args))
  }

  /** A callback form computed synchronously by `sync` and delivered as a simulated operation. */
  function viaSync(name: string, sync: string, callback_index: (args: unknown[]) => number, errors_to_callback: boolean): unknown {
    return simulatedOr(real, name, (sim, args) => {
      const at = callback_index(args)
      const callback = args[at]
      if (typeof callback !== 'function') return Reflect.apply(real_record[name] as Function, real, args)
      const sync_args = args.slice(0, at)
      let result: unknown
      try {
        result = Reflect.apply(real_record[sync] as Function, real, sync_args)
      } catch (error) {
        if (!errors_to_callback) throw error
        deliver(sim, `crypto.${name}`, callback as Callback, error as Error)
        return undefined
      }
      deliver(sim, `crypto.${name}`, callback as Callback, null, result)
      return undefined
    })
  }
  const last = (args: unknown[]): number => args.length - 1

  // Key material generated from real randomness: the generated key would differ on every replay.
  function guardKeys<T>(instance: T, api: string): T {
    const object = instance as unknown as Record<string, Function>
    const generateKeys = object.generateKeys
    if (typeof generateKeys === 'function') {
      Object.defineProperty(object, 'generateKeys', {
        value: function generateKeys_(this: unknown, ...args: unknown[]): unknown {
          if (slot.simulation !== null) failClosed(`${api}.generateKeys`, 'keygen')
          return Reflect.apply(generateKeys, this, args)
        },
        writable: true,
        enumerable: false,
        configurable: true,
      })
    }
    return instance
  }

  function keyFactory(name: string, generates_prime: (args: unknown[]) => boolean): unknown {
    const original = real_record[name] as Function
    const wrapper = {
      [name](this: unknown, ...args: unknown[]): unknown {
        if (slot.simulation !== null && generates_prime(args)) failClosed(`crypto.${name}`, 'keygen')
        return guardKeys(Reflect.apply(real_record[name] as Function, this, args), `crypto.${name}(...)`)
      },
    }[name] as Function
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true })
    return wrapper
  }

  function keyClass(name: string, generates_prime: (args: unknown[]) => boolean): unknown {
    const original = real_record[name] as Function
    const wrapper: Function = new Proxy(original, {
      apply(target, this_arg, args) {
        if (slot.simulation !== null && generates_prime(args)) failClosed(`crypto.${name}`, 'keygen')
        return guardKeys(Reflect.apply(target, this_arg, args), `crypto.${name}`)
      },
      construct(target, args, new_target) {
        if (slot.simulation !== null && generates_prime(args)) failClosed(`crypto.${name}`, 'keygen')
        return guardKeys(Reflect.construct(target, args, new_target === wrapper ? target : new_target) as object, `crypto.${name}`)
      },
    })
    return wrapper
  }
  const primeLength = (args: unknown[]): boolean => typeof args[0] === 'number'
  const never = (): boolean => false

  const subtle = moduleProxy<NodeCrypto['subtle']>({ api: 'crypto.subtle', real: real.subtle, reason: 'subtle' })

  const webcrypto_real = real.webcrypto as unknown as Record<string, unknown>
  const webcrypto: NodeCrypto['webcrypto'] = new Proxy(webcrypto_real, {
    get(target, key) {
      if (key === 'subtle') return subtle
      if (key === 'getRandomValues') return webGetRandomValues
      if (key === 'randomUUID') return webRandomUUID
      return Reflect.get(target, key, target) as unknown
    },
  }) as unknown as NodeCrypto['webcrypto']
  // Web Crypto's methods insist on the Crypto object as `this`, as the real ones do.
  const webGetRandomValues = function getRandomValues(this: unknown, ...args: unknown[]): unknown {
    const self = this === webcrypto ? webcrypto_real : this
    if (self !== webcrypto_real || slot.simulation === null) return Reflect.apply(webcrypto_real.getRandomValues as Function, self, args)
    return Reflect.apply(crypto_getRandomValues, undefined, args)
  }
  const webRandomUUID = function randomUUID(this: unknown, ...args: unknown[]): unknown {
    const self = this === webcrypto ? webcrypto_real : this
    const sim = slot.simulation
    if (self !== webcrypto_real || sim === null) return Reflect.apply(webcrypto_real.randomUUID as Function, self, args)
    return seededUUID(sim.env.random)
  }

  const keygen: Record<string, unknown> = {}
  for (const name of ['generateKeyPair', 'generateKeyPairSync', 'generateKey', 'generateKeySync', 'generatePrime', 'generatePrimeSync']) {
    if (typeof real_record[name] === 'function') keygen[name] = failsClosedInside(real, name, `crypto.${name}`, 'keygen')
  }

  return moduleProxy<NodeCrypto>({
    api: 'crypto',
    real,
    overrides: {
      randomBytes,
      ...deprecated_aliases,
      randomFillSync,
      randomFill,
      randomInt,
      randomUUID,
      getRandomValues,
      webcrypto,
      subtle,
      ...keygen,
      createDiffieHellman: keyFactory('createDiffieHellman', primeLength),
      createDiffieHellmanGroup: keyFactory('createDiffieHellmanGroup', never),
      getDiffieHellman: keyFactory('getDiffieHellman', never),
      createECDH: keyFactory('createECDH', never),
      DiffieHellman: keyClass('DiffieHellman', primeLength),
      DiffieHellmanGroup: keyClass('DiffieHellmanGroup', never),
      ECDH: keyClass('ECDH', never),
      pbkdf2: viaSync('pbkdf2', 'pbkdf2Sync', last, false),
      scrypt: viaSync('scrypt', 'scryptSync', last, false),
      hkdf: viaSync('hkdf', 'hkdfSync', last, false),
      checkPrime: viaSync('checkPrime', 'checkPrimeSync', last, false),
      sign: viaSync('sign', 'sign', () => 3, true),
      verify: viaSync('verify', 'verify', () => 4, true),
    },
  })
}
