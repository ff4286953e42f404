import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import type { Simulation } from '../../sim/simulation.js'
import { simulatedOr } from '../builtins/module_proxy.js'
import { fdFunctions } from './api_fd.js'
import { pathFunctions, realpathNative, statSyncWithOptions } from './api_path.js'
import { dirFunctions } from './dir.js'
import type { Simulated } from './forms.js'
import { promiseFunctions } from './promises.js'
import { createReadStream, createWriteStream, simulatedStreamClass } from './streams.js'

/**
 * The members of node:fs and node:fs/promises served by the simulated disk
 * inside a simulation (and the real module's, looked up at call time, outside
 * one). The builtin registry puts them over the real modules; every other
 * function member fails closed there (see builtins/registry.ts).
 */

const require = createRequire(import.meta.url)
type NodeFs = typeof import('node:fs')
type AnyFunction = (...args: unknown[]) => unknown

/** promisify(fs.read) and friends resolve to objects, as Node's do through an internal symbol. */
const PROMISIFIED_RESULTS: Readonly<Record<string, readonly [string, string]>> = {
  read: ['bytesRead', 'buffer'],
  write: ['bytesWritten', 'buffer'],
  readv: ['bytesRead', 'buffers'],
  writev: ['bytesWritten', 'buffers'],
}

function member(real: object, name: string, simulated: Simulated): AnyFunction {
  const wrapper = simulatedOr(real, name, simulated)
  const names = PROMISIFIED_RESULTS[name]
  if (names !== undefined) {
    Object.defineProperty(wrapper, promisify.custom, {
      value: (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          wrapper(...args, (error: unknown, first: unknown, second: unknown) => {
            if (error !== null && error !== undefined) reject(error)
            else resolve({ [names[0]]: first, [names[1]]: second })
          })
        }),
      configurable: true,
    })
  }
  if (name === 'exists') {
    Object.defineProperty(wrapper, promisify.custom, {
      value: (path: unknown) => new Promise((resolve) => wrapper(path, resolve)),
      configurable: true,
    })
  }
  return wrapper
}

/** Overrides for node:fs. */
export function fsOverrides(): Record<string, unknown> {
  const real = require('node:fs') as NodeFs
  const overrides: Record<string, unknown> = {}
  const simulated: Record<string, Simulated> = {
    ...fdFunctions,
    ...pathFunctions,
    ...dirFunctions,
    statSync: statSyncWithOptions('stat'),
    lstatSync: statSyncWithOptions('lstat'),
    createReadStream: (sim, args) => createReadStream(sim, args),
    createWriteStream: (sim, args) => createWriteStream(sim, args),
  }
  for (const [name, implementation] of Object.entries(simulated)) {
    if (typeof (real as unknown as Record<string, unknown>)[name] !== 'function') continue
    overrides[name] = member(real, name, implementation)
  }
  for (const name of ['realpath', 'realpathSync'] as const) {
    const wrapper = overrides[name] as AnyFunction
    const native_real = { native: real[name].native }
    Object.defineProperty(wrapper, 'native', {
      value: simulatedOr(native_real, 'native', realpathNative(name === 'realpathSync')),
      writable: true,
      enumerable: true,
      configurable: true,
    })
  }
  // Classes that touch no disk pass through; the stream classes get the simulated fs inside a simulation.
  overrides.Stats = real.Stats
  overrides.Dirent = real.Dirent
  overrides.ReadStream = simulatedStreamClass(real.ReadStream)
  overrides.WriteStream = simulatedStreamClass(real.WriteStream)
  overrides.FileReadStream = overrides.ReadStream
  overrides.FileWriteStream = overrides.WriteStream
  return overrides
}

/** Overrides for node:fs/promises. */
export function fsPromisesOverrides(): Record<string, unknown> {
  const real = require('node:fs/promises') as Record<string, unknown>
  const overrides: Record<string, unknown> = {}
  for (const [name, implementation] of Object.entries(promiseFunctions)) {
    if (typeof real[name] !== 'function') continue
    overrides[name] = simulatedOr(real, name, (sim: Simulation, args) => implementation(sim, args))
  }
  return overrides
}
