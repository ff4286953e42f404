/** The scenario awaits something, and nothing scheduled can ever settle it. */
export class SimulationStalled extends Error {
  override name = 'SimulationStalled'
  constructor(
    readonly now_ns: string,
    readonly pending: readonly string[],
  ) {
    super(
      pending.length === 0
        ? `the simulation stalled at ${now_ns} ns: the scenario is awaiting a promise, and no timer, immediate or ` +
            'operation is scheduled that could settle it. Look for a promise that is never resolved, or for real I/O ' +
            'that the simulation cannot see.'
        : `the simulation stalled at ${now_ns} ns: the scenario is awaiting a promise, and only unref'd work is ` +
            `pending, which does not keep a run alive (as in Node): ${pending.join(', ')}`,
    )
  }
}

/** Node's AbortError, as `timers/promises` rejects with it. */
export class AbortError extends Error {
  override name = 'AbortError'
  readonly code = 'ABORT_ERR'
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Node's ERR_INVALID_ARG_TYPE, for callbacks that are not functions. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const received =
    actual === null ? 'null' : actual === undefined ? 'undefined' : `type ${typeof actual} (${String(actual)})`
  const error = new TypeError(`The "${name}" argument must be of type ${expected}. Received ${received}`)
  Object.defineProperty(error, 'code', { value: 'ERR_INVALID_ARG_TYPE', enumerable: true })
  return error
}
