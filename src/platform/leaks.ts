import { syncBuiltinESMExports } from 'node:module'
import { promisify } from 'node:util'
import type { Simulation } from '../sim/simulation.js'
import { real } from './real.js'
import { classifyCaller, displayPath, parseStack, stackLines, type Caller } from './stack.js'

/**
 * Determinism-leak tripwires.
 *
 * The transform sends the files under test to the simulated platform; code it
 * did not reach (a dependency not listed in `simulate`, a project file outside
 * `include`) still calls the real clock, timers, randomness and disk. While a
 * simulation is active, the commonest of those real entry points are replaced
 * by thin wrappers. Each wrapper calls the function it replaced and returns its
 * result unchanged (so the test runner, or anything else, sees exactly what it
 * would have), and looks at its caller: a call from a package or a file that
 * should have been simulated is recorded as a `DeterminismLeak`, which fails
 * the run at its next step. Exiting the simulation puts back the very same
 * functions (and property descriptors) that were there before.
 *
 * Nothing is installed outside a simulation, and simulated code never calls
 * these globals (it calls the platform), so neither path pays for them.
 */

/** At most this many distinct (api, caller) leaks are recorded per simulation. */
const MAX_RECORDED = 16
/**
 * After this many leaking calls the wrappers stop inspecting and only delegate:
 * the run has failed already, and a dependency calling Date.now() in a loop
 * should not pay for a stack capture on every call.
 */
const MAX_LEAKING_CALLS = 1000
/** Globals are read through this variable so a transform that rewrites `Date`, `Math.random`, ... finds nothing here. */
const G: typeof globalThis = globalThis
/** Frames inspected to find the first non-Node caller. */
const FRAME_LIMIT = 24

type Resource = 'clock' | 'randomness' | 'timer' | 'disk'

/**
 * A real clock read, timer, random draw or disk access from code the transform
 * did not reach. The message names the API, the culprit, where it was called
 * and the fix; `stack` is the caller's stack (not the tripwire's), so test
 * runners print where the leak happened. Paths in the message are relative to
 * the working directory, so a trace that records the message is the same on
 * every checkout.
 */
export class DeterminismLeak extends Error {
  override name = 'DeterminismLeak'
  readonly code = 'ERR_MARIONETTE_DETERMINISM_LEAK'

  constructor(
    /** The API as called, e.g. `Date.now`, `new Date()`, `setTimeout`, `fs.readFileSync`. */
    readonly api: string,
    /** The dependency that made the call, or null. */
    readonly package_name: string | null,
    /** The project file that made the call (outside `include`, absolute), or null. */
    readonly file: string | null,
    /** `path:line:column` of the call (relative to the working directory when inside it), or null. */
    readonly caller: string | null,
    /** The caller's stack, innermost first (`at ...` lines). */
    readonly caller_stack: readonly string[],
    readonly resource: Resource,
  ) {
    super(leakMessage(api, package_name, file, caller, resource))
    this.stack = `${this.name}: ${this.message}\n${caller_stack.map((line) => `    ${line}`).join('\n')}`
  }

  /** The configuration change that fixes the leak. */
  get fix(): string {
    return fixFor(this.package_name, this.file)
  }
}

function fixFor(package_name: string | null, file: string | null): string {
  if (package_name !== null) return `add '${package_name}' to marionette({ simulate: ['${package_name}'] })`
  if (file !== null) return 'add the file to marionette({ include })'
  return 'find the caller in the stack and make sure the transform reaches it (marionette({ include, simulate }))'
}

const TOUCHED: Record<Resource, string> = {
  clock: 'read the real clock instead of the simulated one',
  randomness: 'drew real randomness instead of the seeded streams',
  timer: 'armed a real timer, which fires in real time outside the simulated event loop',
  disk: 'reached the real disk',
}

function leakMessage(api: string, package_name: string | null, file: string | null, caller: string | null, resource: Resource): string {
  const who =
    package_name !== null
      ? `package '${package_name}', which the transform does not reach`
      : file !== null
        ? `${displayPath(file)}, a project file outside marionette({ include })`
        : 'code with no source location on the stack'
  const fix =
    fixFor(package_name, file) +
    (package_name !== null || file !== null ? ' so its code uses the simulated platform' : '') +
    (package_name !== null ? ` (for plain scripts under --import marionette-sim/register: MARIONETTE_SIMULATE=${package_name})` : '')
  return (
    `determinism leak: ${api} was called inside a simulation by ${who}` +
    (caller === null ? '' : ` (at ${caller})`) +
    `, so it ${TOUCHED[resource]} and the run can no longer replay from its seed.\n` +
    `Fix: ${fix}.`
  )
}

interface WatchState {
  readonly sim: Simulation
  /** Set while a wrapper inspects its caller, so a nested call (source maps, trace) goes straight through. */
  busy: boolean
  /** Set once enough leaks are seen: wrappers only delegate from then on. */
  done: boolean
  leaking_calls: number
  readonly recorded: Set<string>
  first: DeterminismLeak | null
}

function traceKey(caller: Caller): Record<string, string> {
  switch (caller.kind) {
    case 'package':
      return { package: caller.name }
    case 'file':
      return { file: displayPath(caller.path) }
    default:
      return { caller: 'unknown' }
  }
}

/** The watch of the simulation being served; null when none is (the wrappers then only delegate). */
let watching: WatchState | null = null

function inspect(api: string, resource: Resource, below: Function): void {
  const state = watching
  if (state === null || state.busy || state.done) return
  state.busy = true
  try {
    const caller = classifyCaller(below, FRAME_LIMIT)
    if (caller.kind === 'exempt') return
    if (++state.leaking_calls >= MAX_LEAKING_CALLS) state.done = true
    const fields = traceKey(caller)
    const key = `${api} ${JSON.stringify(fields)}`
    if (state.recorded.has(key) || state.recorded.size >= MAX_RECORDED) return
    state.recorded.add(key)
    try {
      state.sim.world.recordFields('leak.detected', { api, ...fields })
    } catch {
      // A full trace fails the run on its own.
    }
    if (state.first === null) {
      // The readable stack (source-mapped where the runner maps stacks), taken once per simulation.
      const holder: { stack?: string } = {}
      const previous_limit = Error.stackTraceLimit
      Error.stackTraceLimit = 12
      Error.captureStackTrace(holder, below)
      Error.stackTraceLimit = previous_limit
      const stack = holder.stack ?? ''
      // The culprit's frame as the readable stack shows it (with the runner's source maps applied, if any).
      let location: string | null = null
      if (caller.kind === 'package' || caller.kind === 'file') {
        const frame = parseStack(stack).find((candidate) => candidate.file === caller.frame.file) ?? caller.frame
        location = `${displayPath(frame.file)}:${frame.line}:${frame.column}`
      }
      state.first = new DeterminismLeak(
        api,
        caller.kind === 'package' ? caller.name : null,
        caller.kind === 'file' ? caller.path : null,
        location,
        stackLines(stack, 10),
        resource,
      )
      state.sim.loop.raise(state.first)
    }
  } finally {
    state.busy = false
  }
}

interface Patch {
  readonly object: object
  readonly key: PropertyKey
  /** The own descriptor before patching, or undefined when the property was inherited. */
  readonly before: PropertyDescriptor | undefined
}

function patch(patches: Patch[], object: object, key: PropertyKey, value: unknown): void {
  const before = Reflect.getOwnPropertyDescriptor(object, key)
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: before?.enumerable ?? true,
    configurable: true,
  })
  patches.push({ object, key, before })
}

function restore(patches: readonly Patch[]): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const { object, key, before } = patches[i] as Patch
    if (before === undefined) Reflect.deleteProperty(object, key)
    else Object.defineProperty(object, key, before)
  }
}

/**
 * Wrappers, made once per original function and reused by every simulation
 * (installing them is then only a property swap): each inspects its caller
 * while a simulation is watched, then calls the original with the same `this`
 * and arguments.
 */
const wrappers = new WeakMap<Function, Map<string, Function>>()

function watchFunction(api: string, resource: Resource, original: Function): Function {
  let by_api = wrappers.get(original)
  if (by_api === undefined) {
    by_api = new Map()
    wrappers.set(original, by_api)
  }
  const cached = by_api.get(api)
  if (cached !== undefined) return cached
  const wrapper = {
    [original.name](this: unknown, ...args: unknown[]): unknown {
      inspect(api, resource, wrapper)
      return Reflect.apply(original, this, args)
    },
  }[original.name] as Function
  Object.defineProperty(wrapper, 'length', { value: original.length })
  // setTimeout and setImmediate carry util.promisify's custom form; keep it reachable.
  const custom = (original as unknown as Record<symbol, unknown>)[promisify.custom]
  if (custom !== undefined) Object.defineProperty(wrapper, promisify.custom, { value: custom, configurable: true })
  by_api.set(api, wrapper)
  return wrapper
}

const watched_dates = new WeakMap<DateConstructor, DateConstructor>()

/** The watched `Date`: the constructor without arguments and `Date()` called as a function read the clock. */
function watchDate(OriginalDate: DateConstructor): DateConstructor {
  const cached = watched_dates.get(OriginalDate)
  if (cached !== undefined) return cached
  const handler: ProxyHandler<DateConstructor> = {
    construct(target, args, new_target) {
      if (args.length === 0) inspect('new Date()', 'clock', handler.construct as Function)
      return Reflect.construct(target, args, new_target === watched ? target : new_target) as object
    },
    apply(target, this_arg, args) {
      inspect('Date()', 'clock', handler.apply as Function)
      return Reflect.apply(target, this_arg, args) as unknown
    },
  }
  const watched = new Proxy(OriginalDate, handler)
  watched_dates.set(OriginalDate, watched)
  return watched
}

const watched_hrtimes = new WeakMap<Function, Function>()

/** The watched `process.hrtime`, with a watched `.bigint` of the original's. */
function watchHrtime(hrtime: NodeJS.HRTime): Function {
  let watched = watched_hrtimes.get(hrtime)
  if (watched === undefined) {
    // A wrapper of its own (not the shared cache): it carries the `bigint` property.
    const wrapper = function hrtime_(this: unknown, ...args: unknown[]): unknown {
      inspect('process.hrtime', 'clock', wrapper)
      return Reflect.apply(hrtime, this, args)
    }
    Object.defineProperty(wrapper, 'name', { value: hrtime.name })
    Object.defineProperty(wrapper, 'length', { value: hrtime.length })
    Object.defineProperty(wrapper, 'bigint', {
      value: watchFunction('process.hrtime.bigint', 'clock', hrtime.bigint),
      writable: true,
      enumerable: true,
      configurable: true,
    })
    watched = wrapper
    watched_hrtimes.set(hrtime, watched)
  }
  return watched
}

/**
 * The real fs stays watched although transformed code now has a simulated disk: a dependency the
 * transform does not reach still reads and writes the real disk, which is a determinism leak.
 * Module loading (Node's loaders, Vite) is exempt by caller, so it keeps working.
 */
const FS_FUNCTIONS = [
  'readFile',
  'readFileSync',
  'writeFile',
  'writeFileSync',
  'appendFile',
  'appendFileSync',
  'open',
  'openSync',
  'opendir',
  'opendirSync',
  'readdir',
  'readdirSync',
  'stat',
  'statSync',
  'lstat',
  'lstatSync',
  'existsSync',
  'mkdir',
  'mkdirSync',
  'rm',
  'rmSync',
  'unlink',
  'unlinkSync',
  'rename',
  'renameSync',
] as const

const FS_PROMISES_FUNCTIONS = ['readFile', 'writeFile', 'appendFile', 'open', 'opendir', 'readdir', 'stat', 'lstat', 'mkdir', 'rm', 'unlink', 'rename'] as const

/**
 * Installs the tripwires for `sim` and returns the function that removes them.
 * Called by `enterSimulation`; the globals are swapped only while `sim` is active.
 */
export function installTripwires(sim: Simulation): () => void {
  if (watching !== null) throw new Error('installTripwires: the tripwires already watch another simulation')
  const state: WatchState = { sim, busy: false, done: false, leaking_calls: 0, recorded: new Set(), first: null }
  const patches: Patch[] = []
  try {
    const OriginalDate = G.Date
    patch(patches, OriginalDate, 'now', watchFunction('Date.now', 'clock', OriginalDate.now))
    patch(patches, G, 'Date', watchDate(OriginalDate))
    patch(patches, G.Math, 'random', watchFunction('Math.random', 'randomness', G.Math.random))
    const performance = G.performance
    patch(patches, performance, 'now', watchFunction('performance.now', 'clock', performance.now))
    for (const name of ['setTimeout', 'setInterval', 'setImmediate'] as const) {
      patch(patches, G, name, watchFunction(name, 'timer', G[name]))
    }
    patch(patches, G.process, 'hrtime', watchHrtime(G.process.hrtime))
    const crypto = G.crypto
    patch(patches, crypto, 'getRandomValues', watchFunction('crypto.getRandomValues', 'randomness', crypto.getRandomValues))
    patch(patches, crypto, 'randomUUID', watchFunction('crypto.randomUUID', 'randomness', crypto.randomUUID))
    const fs = real.fs as unknown as Record<string, Function>
    for (const name of FS_FUNCTIONS) {
      const original = fs[name]
      if (typeof original === 'function') patch(patches, fs, name, watchFunction(`fs.${name}`, 'disk', original))
    }
    const fs_promises = real.fs.promises as unknown as Record<string, Function>
    for (const name of FS_PROMISES_FUNCTIONS) {
      const original = fs_promises[name]
      if (typeof original === 'function') patch(patches, fs_promises, name, watchFunction(`fs.promises.${name}`, 'disk', original))
    }
    // ESM named imports of node:fs (`import { readFileSync } from 'node:fs'`) see the wrappers only after a sync.
    syncBuiltinESMExports()
  } catch (error) {
    restore(patches)
    syncBuiltinESMExports()
    throw error
  }
  watching = state
  return () => {
    if (watching === state) watching = null
    restore(patches)
    syncBuiltinESMExports()
  }
}
