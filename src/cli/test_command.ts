/**
 * `marionette test [vitest arguments] [--seed <n>]`: Vitest with a run seed.
 *
 * Vitest rejects an unknown `--seed` before it loads any config, so this command
 * takes it off the argument list, validates it, hands it to the simulated tests
 * as `MARIONETTE_SEED` (workers inherit the environment), prints the seed in
 * use, and starts Vitest in run mode (`--watch` keeps watching) through its
 * Node API. Everything else is passed to Vitest unchanged.
 */
import { parseSeed } from '../world/seed.js'

export interface TestCommandArgs {
  /** The run seed's canonical text, or null when neither `--seed` nor MARIONETTE_SEED gives one. */
  readonly seed: string | null
  /** Where the seed came from, for the printed line. */
  readonly source: '--seed' | 'MARIONETTE_SEED' | 'default'
  readonly vitest_args: readonly string[]
}

export class TestUsageError extends Error {
  override name = 'TestUsageError'
}

/** Splits `--seed` off Vitest's arguments and validates it (an invalid seed throws `InvalidSeed`). */
export function parseTestArgs(args: readonly string[], environment_seed: string | undefined): TestCommandArgs {
  let seed_text: string | null = null
  const vitest_args: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--seed') {
      const value = args[i + 1]
      if (value === undefined) throw new TestUsageError('--seed needs a value')
      seed_text = value
      i++
    } else if (arg.startsWith('--seed=')) {
      seed_text = arg.slice('--seed='.length)
    } else {
      vitest_args.push(arg)
    }
  }
  if (seed_text !== null) return { seed: parseSeed(seed_text).text, source: '--seed', vitest_args }
  if (environment_seed !== undefined && environment_seed !== '') {
    return { seed: parseSeed(environment_seed).text, source: 'MARIONETTE_SEED', vitest_args }
  }
  return { seed: null, source: 'default', vitest_args }
}

/** Runs Vitest with the parsed arguments; returns its exit code. */
export async function runTestCommand(args: readonly string[], io: { err(text: string): void }): Promise<number> {
  const parsed = parseTestArgs(args, process.env.MARIONETTE_SEED)
  if (parsed.seed !== null) process.env.MARIONETTE_SEED = parsed.seed
  io.err(
    parsed.seed === null
      ? '[marionette-sim] run seed 0 (the default; or --sequence.seed when given: pass --seed <n> to choose)\n'
      : `[marionette-sim] run seed ${parsed.seed} (from ${parsed.source})\n`,
  )
  const { parseCLI, startVitest } = await import('vitest/node')
  const watch = parsed.vitest_args.includes('--watch') || parsed.vitest_args.includes('-w')
  const { filter, options } = parseCLI(['vitest', ...(watch ? [] : ['run']), ...parsed.vitest_args])
  const vitest = await startVitest('test', filter, options)
  if (!watch) await vitest?.close()
  return typeof process.exitCode === 'number' ? process.exitCode : vitest === undefined ? 1 : 0
}
