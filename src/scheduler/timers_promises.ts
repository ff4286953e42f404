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
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'object', options)
  const { signal, ref } = options as TimerPromiseOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'AbortSignal', signal)
  if (ref !== undefined && typeof ref !== 'boolean') throw invalidArgType('options.ref', 'boolean', ref)
  return options as TimerPromiseOptions
}

export function createTimersPromises(loop: EventLoop, timers: SimTimers = createTimers(loop)): SimTimersPromises {
  function setTimeoutPromise<T>(delay?: number, value?: T, options?: TimerPromiseOptions): Promise<T> {
    let checked: TimerPromiseOptions
    try {
      checked = validateOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    const { signal, ref } = checked
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        timers.clearTimeout(timer)
        reject(new AbortError(undefined, { cause: signal?.reason }))
      }
      const timer = timers.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(value as T)
      }, delay)
      if (ref === false) timer.unref()
      signal?.addEventListener('abort', onAbort, { once: true })
    })
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
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        timers.clearImmediate(immediate)
        reject(new AbortError(undefined, { cause: signal?.reason }))
      }
      const immediate = timers.setImmediate(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(value as T)
      })
      if (ref === false) immediate.unref()
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  async function* setIntervalIterator<T>(delay?: number, value?: T, options?: TimerPromiseOptions): AsyncGenerator<T> {
    const { signal, ref } = validateOptions(options)
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason })
    let not_yielded = 0
    let wake: (() => void) | null = null
    let aborted = false
    const interval = timers.setInterval(() => {
      not_yielded++
      wake?.()
      wake = null
    }, delay)
    if (ref === false) interval.unref()
    const onAbort = (): void => {
      aborted = true
      wake?.()
      wake = null
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      for (;;) {
        if (not_yielded === 0 && !aborted) await new Promise<void>((resolve) => (wake = resolve))
        if (aborted) throw new AbortError(undefined, { cause: signal?.reason })
        for (; not_yielded > 0; not_yielded--) yield value as T
      }
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
