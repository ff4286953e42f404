import { AbortError, invalidArgType } from './errors.js'
import type { EventLoop } from './loop.js'
import { createTimers, type SimTimers } from './timers.js'

/** Options accepted by Node's `timers/promises` functions. */
export interface TimerPromiseOptions {
  signal?: AbortSignal
  ref?: boolean
}

/** The `node:timers/promises` surface over a simulated loop. */
export interface SimTimersPromises {
  setTimeout<T = void>(delay?: number, value?: T, options?: TimerPromiseOptions): Promise<T>
  setImmediate<T = void>(value?: T, options?: TimerPromiseOptions): Promise<T>
  setInterval<T = void>(delay?: number, value?: T, options?: TimerPromiseOptions): AsyncIterableIterator<T>
  scheduler: {
    wait(delay: number, options?: { signal?: AbortSignal }): Promise<void>
    yield(): Promise<void>
  }
}

function validateOptions(options: unknown): TimerPromiseOptions {
  if (options === undefined) return {}
  // Node's validateObject rejects arrays too.
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', 'object', options)
  const { signal, ref } = options as TimerPromiseOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'AbortSignal', signal)
  if (ref !== undefined && typeof ref !== 'boolean') throw invalidArgType('options.ref', 'boolean', ref)
  return options as TimerPromiseOptions
}

/** Node checks the delay's type here (no coercion, unlike the callback timers); NaN passes and becomes 1 ms. */
function validateDelay(delay: unknown): void {
  if (delay !== undefined && typeof delay !== 'number') throw invalidArgType('delay', 'number', delay)
}

/**
 * Node's SafePromisePrototypeFinally, which timers/promises wraps around a promise
 * given a signal: the same wrapping, so it settles after the same microtask hops.
 */
function nodeFinally<T>(promise: Promise<T>, onFinally: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    new Promise<T>((a, b) => {
      promise.then(a, b)
    })
      .finally(onFinally)
      .then(resolve, reject)
  })
}

export function createTimersPromises(loop: EventLoop, timers: SimTimers = createTimers(loop)): SimTimersPromises {
  function setTimeoutPromise<T>(delay?: number, value?: T, options?: TimerPromiseOptions): Promise<T> {
    let checked: TimerPromiseOptions
    try {
      validateDelay(delay)
      checked = validateOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    const { signal, ref } = checked
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    let onAbort: (() => void) | undefined
    const promise = new Promise<T>((resolve, reject) => {
      const timer = timers.setTimeout(() => resolve(value as T), delay)
      if (ref === false) timer.unref()
      if (signal !== undefined) {
        onAbort = (): void => {
          timers.clearTimeout(timer)
          reject(new AbortError(undefined, { cause: signal.reason }))
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }
    })
    const listener = onAbort
    if (signal === undefined || listener === undefined) return promise
    return nodeFinally(promise, () => signal.removeEventListener('abort', listener))
  }

  function setImmediatePromise<T>(value?: T, options?: TimerPromiseOptions): Promise<T> {
    let checked: TimerPromiseOptions
    try {
      checked = validateOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    const { signal, ref } = checked
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    let onAbort: (() => void) | undefined
    const promise = new Promise<T>((resolve, reject) => {
      const immediate = timers.setImmediate(() => resolve(value as T))
      if (ref === false) immediate.unref()
      if (signal !== undefined) {
        onAbort = (): void => {
          timers.clearImmediate(immediate)
          reject(new AbortError(undefined, { cause: signal.reason }))
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }
    })
    const listener = onAbort
    if (signal === undefined || listener === undefined) return promise
    return nodeFinally(promise, () => signal.removeEventListener('abort', listener))
  }

  async function* setIntervalIterator<T>(delay?: number, value?: T, options?: TimerPromiseOptions): AsyncGenerator<T> {
    validateDelay(delay)
    const { signal, ref } = validateOptions(options)
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason })
    let not_yielded = 0
    let wake: ((outcome?: PromiseLike<void>) => void) | null = null
    const interval = timers.setInterval(() => {
      not_yielded++
      wake?.()
      wake = null
    }, delay)
    if (ref === false) interval.unref()
    // As in Node: the abort stops the interval at once, and fails a pending wait by resolving it with a rejection.
    const onAbort = (): void => {
      timers.clearInterval(interval)
      wake?.(Promise.reject(new AbortError(undefined, { cause: signal?.reason })))
      wake = null
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      while (signal?.aborted !== true) {
        if (not_yielded === 0) await new Promise<void>((resolve) => (wake = resolve))
        for (; not_yielded > 0; not_yielded--) yield value as T
      }
      throw new AbortError(undefined, { cause: signal.reason })
    } finally {
      timers.clearInterval(interval)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  return {
    setTimeout: setTimeoutPromise,
    setImmediate: setImmediatePromise,
    setInterval: setIntervalIterator,
    scheduler: {
      wait: (delay, options) => setTimeoutPromise<void>(delay, undefined, options),
      yield: () => setImmediatePromise<void>(),
    },
  }
}
