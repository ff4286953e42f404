import { slot } from '../active.js'
import { failClosed, type UnsupportedReason } from '../unsupported.js'

/**
 * The module objects behind the builtin-module wrappers (src/platform/modules/).
 *
 * A wrapper's default export stands in for what `import x from 'node:x'` or
 * `require('x')` returns: the real module object. It is a Proxy over that very
 * object, so everything not redirected (constants, classes' prototypes,
 * EventEmitter methods, properties added later, `util.inspect`) is the real
 * module's. Redirected members come from `overrides`; with a `reason`, every
 * other function member (and class constructor, and function-valued static such
 * as `fs.realpathSync.native`) fails closed inside a simulation and is the real
 * function outside one.
 */

export interface ModuleSpec {
  /** The API prefix in error messages: `fs`, `fs.promises`, `child_process`. */
  readonly api: string
  readonly real: object
  /** Members served by the platform instead of the real module. */
  readonly overrides?: Readonly<Record<string, unknown>>
  /** Fail closed inside a simulation for every function member not overridden. */
  readonly reason?: UnsupportedReason
}

type AnyFunction = (...args: unknown[]) => unknown

/** Wraps a function (or class) so that it fails closed inside a simulation. */
export function failClosedFunction<F extends Function>(
  original: F,
  api: string,
  reason: UnsupportedReason,
  self?: { readonly proxy: object; readonly real: object },
): F {
  const statics = new Map<PropertyKey, Function>()
  const wrapper: F = new Proxy(original, {
    apply(target, this_arg, args) {
      if (slot.simulation !== null) failClosed(api, reason)
      // Called as a method of the module proxy: run it on the real module, as the original call would.
      return Reflect.apply(target as unknown as AnyFunction, self !== undefined && this_arg === self.proxy ? self.real : this_arg, args)
    },
    construct(target, args, new_target) {
      if (slot.simulation !== null) failClosed(api, reason)
      return Reflect.construct(target as unknown as AnyFunction, args, new_target === wrapper ? target : new_target) as object
    },
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown
      if (typeof value !== 'function' || key === 'constructor') return value
      const own = Reflect.getOwnPropertyDescriptor(target, key)
      // Inherited members (call, bind, ...) act through this proxy already; fixed ones must stay identical.
      if (own === undefined || (own.configurable === false && own.writable === false)) return value
      let wrapped = statics.get(key)
      if (wrapped === undefined) {
        wrapped = failClosedFunction(value, `${api}.${String(key)}`, reason)
        statics.set(key, wrapped)
      }
      return wrapped
    },
  })
  return wrapper
}

/** Builds the module object for one builtin wrapper. */
export function moduleProxy<T extends object>(spec: ModuleSpec): T {
  const real = spec.real as Record<PropertyKey, unknown>
  const overrides = new Map<PropertyKey, unknown>(Object.entries(spec.overrides ?? {}))
  // Per member name, so an alias (fs.ReadStream, fs.FileReadStream) fails closed under the name the code used.
  const wrapped = new Map<PropertyKey, { original: Function; wrapper: Function }>()
  const self = { proxy: null as unknown as object, real }

  function value(key: PropertyKey): unknown {
    if (overrides.has(key)) return overrides.get(key)
    const found = Reflect.get(real, key, real) as unknown
    if (spec.reason === undefined || typeof found !== 'function') return found
    const cached = wrapped.get(key)
    if (cached !== undefined && cached.original === found) return cached.wrapper
    const wrapper = failClosedFunction(found, `${spec.api}.${String(key)}`, spec.reason, self)
    wrapped.set(key, { original: found, wrapper })
    return wrapper
  }

  const proxy = new Proxy(real, {
    get(target, key) {
      const own = Reflect.getOwnPropertyDescriptor(target, key)
      // A non-writable, non-configurable data property must read as itself (a Proxy invariant).
      if (own !== undefined && own.configurable === false && own.writable === false) return own.value
      return value(key)
    },
    getOwnPropertyDescriptor(target, key) {
      const own = Reflect.getOwnPropertyDescriptor(target, key)
      if (own === undefined || own.configurable === false) return own
      return { value: value(key), writable: true, enumerable: own.enumerable ?? true, configurable: true }
    },
    // Writing through the wrapper writes the real module (as writing to `require('x')` does) and ends its redirection.
    set(target, key, new_value) {
      overrides.delete(key)
      return Reflect.set(target, key, new_value, target)
    },
    defineProperty(target, key, descriptor) {
      overrides.delete(key)
      return Reflect.defineProperty(target, key, descriptor)
    },
    deleteProperty(target, key) {
      overrides.delete(key)
      return Reflect.deleteProperty(target, key)
    },
  }) as T
  self.proxy = proxy
  return proxy
}

/**
 * A member that is simulated inside a simulation and the real module's
 * (looked up at call time) outside one.
 */
export function simulatedOr<R>(
  real: object,
  name: string,
  simulated: (sim: NonNullable<typeof slot.simulation>, args: unknown[], self: unknown) => R,
): AnyFunction {
  const original = (real as Record<string, Function>)[name] as Function
  const wrapper = {
    [name](this: unknown, ...args: unknown[]): unknown {
      const sim = slot.simulation
      if (sim === null) return Reflect.apply((real as Record<string, Function>)[name] as Function, this, args)
      return simulated(sim, args, this)
    },
  }[name] as AnyFunction
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true })
  return wrapper
}

/** A member that fails closed inside a simulation and is the real module's (looked up at call time) outside one. */
export function failsClosedInside(real: object, name: string, api: string, reason: UnsupportedReason): AnyFunction {
  return simulatedOr(real, name, () => failClosed(api, reason))
}
