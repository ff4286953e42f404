/**
 * Runs a conformance program under real Node (in a fresh child process) and
 * under the simulator, and returns each side's log.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { World } from '../../world/world.js'
import { EventLoop, type LoopOptions } from '../loop.js'
import { createTimers } from '../timers.js'
import { createTimersPromises } from '../timers_promises.js'
import type { Log, Platform, Program } from './programs.js'

export interface ProgramLog {
  entries: string[]
  /** The program's own failure (a throw or a rejected returned promise), or null. */
  failure: string | null
}

export interface RealRun extends ProgramLog {
  exit_code: number | null
  stderr: string
}

// ---- simulated side -------------------------------------------------------------------------------

/** The simulator's timers as a Platform: what a simulated program sees instead of Node's globals. */
export function simulatedPlatform(loop: EventLoop): Platform {
  const timers = createTimers(loop)
  const promises = createTimersPromises(loop, timers)
  return {
    setTimeout: timers.setTimeout as unknown as Platform['setTimeout'],
    clearTimeout: timers.clearTimeout as Platform['clearTimeout'],
    setInterval: timers.setInterval as unknown as Platform['setInterval'],
    clearInterval: timers.clearInterval as Platform['clearInterval'],
    setImmediate: timers.setImmediate as unknown as Platform['setImmediate'],
    clearImmediate: timers.clearImmediate as Platform['clearImmediate'],
    nextTick: timers.nextTick,
    // Microtasks are V8's own in the simulator too.
    queueMicrotask: (callback) => queueMicrotask(callback),
    timersPromises: promises as unknown as Platform['timersPromises'],
  }
}

export interface SimulatedRun extends ProgramLog {
  world: World
  loop: EventLoop
}

export interface SimulateOptions {
  seed?: number
  loop?: LoopOptions
  /** Wraps the log, e.g. to prefix each entry with the simulated time. */
  wrapLog?: (log: Log, world: World) => Log
}

/** Runs `run` as the first macrotask of a fresh World/EventLoop, until no ref'd work remains. */
export async function simulate(
  run: Program['run'],
  { seed = 1, loop: loop_options = {}, wrapLog }: SimulateOptions = {},
): Promise<SimulatedRun> {
  const world = new World({ seed })
  // A program that never goes idle should fail fast rather than spin for 10M steps.
  const loop = new EventLoop(world, { max_steps: 200_000, ...loop_options })
  const platform = simulatedPlatform(loop)
  const entries: string[] = []
  let failure: string | null = null
  const base: Log = (entry) => {
    entries.push(String(entry))
  }
  const log = wrapLog === undefined ? base : wrapLog(base, world)
  const fail = (error: unknown): void => {
    failure ??= describeFailure(error)
  }
  await loop.runUntilIdle(() => {
    try {
      Promise.resolve(run(platform, log)).then(undefined, fail)
    } catch (error) {
      fail(error)
    }
  })
  return { entries, failure, world, loop }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

// ---- real side ------------------------------------------------------------------------------------

/**
 * The child's module. The program starts from a macrotask (a setImmediate), as
 * in the simulator: ES module code runs inside a promise job, where a nextTick
 * would wait for the microtask queue and so change the program's order. The log
 * is written from the 'exit' handler, when Node has nothing ref'd left to run.
 */
function childScript(source: string, out_file: string): string {
  return `
import { writeFileSync } from 'node:fs'
const timersPromises = await import('node:timers/promises')
const entries = []
let failure = null
const describeFailure = (error) => error instanceof Error ? error.name + ': ' + error.message : String(error)
const fail = (error) => { if (failure === null) failure = describeFailure(error) }
process.on('exit', () => writeFileSync(${JSON.stringify(out_file)}, JSON.stringify({ entries, failure })))
const log = (entry) => { entries.push(String(entry)) }
const platform = {
  setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate,
  nextTick: process.nextTick,
  queueMicrotask,
  timersPromises: {
    setTimeout: timersPromises.setTimeout,
    setImmediate: timersPromises.setImmediate,
    setInterval: timersPromises.setInterval,
    scheduler: timersPromises.scheduler,
  },
}
const run = (${source}
)
setImmediate(() => {
  try {
    Promise.resolve(run(platform, log)).then(undefined, fail)
  } catch (error) {
    fail(error)
  }
})
`
}

export interface RealOptions {
  timeout_ms?: number
}

/** Runs the program's source under real Node in a fresh `node --input-type=module` child. */
export function runReal(program: Program, { timeout_ms = 20_000 }: RealOptions = {}): Promise<RealRun> {
  const dir = mkdtempSync(join(tmpdir(), 'marionette-conformance-'))
  const out_file = join(dir, 'log.json')
  const script = childScript(program.run.toString(), out_file)
  const env = { ...process.env }
  // Keep the child plain Node: no loaders or flags inherited from the test runner.
  delete env.NODE_OPTIONS
  return new Promise<RealRun>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { env, timeout: timeout_ms, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        const exit_code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        let log: ProgramLog
        try {
          log = JSON.parse(readFileSync(out_file, 'utf8')) as ProgramLog
        } catch {
          log = { entries: [], failure: `the child wrote no log (${error?.message ?? 'no error'})` }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
        resolve({ ...log, exit_code, stderr })
      },
    )
  })
}

/** Runs async jobs with at most `concurrency` in flight. */
export function limiter(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async <T>(job: () => Promise<T>): Promise<T> => {
    // A finishing job hands its slot straight to the next waiter.
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
    else active++
    try {
      return await job()
    } finally {
      const next = waiting.shift()
      if (next === undefined) active--
      else next()
    }
  }
}
