/**
 * Seeds of simulated tests (`test.sim`): the run seed, the per-test seed
 * derived from it, and the command line that replays one test.
 *
 * The run seed comes from `MARIONETTE_SEED`, else from Vitest's
 * `--sequence.seed` (handed over by the plugin through `provide`), else 0. A
 * test's seed is derived from the run seed and the test's full name (its
 * suites' names and its own, joined with spaces as `-t` matches them), so a
 * `-t` rerun of one test with the same run seed gives it the same seed.
 */
import { fnv1a64, parseSeed, splitmix64, InvalidSeed, type Seed } from '../src/world/seed.js'

/** The environment variable that sets the run seed. */
export const SEED_ENV = 'MARIONETTE_SEED'

/**
 * The environment variable that pins the seed of every selected simulated test
 * (with `-t`, one test): how a seed of a sweep, or a remembered failing seed,
 * is replayed.
 */
export const REPLAY_SEED_ENV = 'MARIONETTE_REPLAY_SEED'

/** The run seed when neither `MARIONETTE_SEED` nor `--sequence.seed` is given. */
export const DEFAULT_RUN_SEED = '0'

/** Where the run seed came from. */
export type RunSeedSource = 'env' | 'sequence.seed' | 'default'

export interface RunSeed {
  readonly seed: Seed
  readonly source: RunSeedSource
}

/** A bad `MARIONETTE_SEED` or `--sequence.seed`: the message names the variable and the accepted forms. */
export class InvalidRunSeed extends Error {
  override name = 'InvalidRunSeed'
}

/**
 * The run seed: `env` (the value of `MARIONETTE_SEED`) when set and not empty,
 * else `sequence_seed` (Vitest's `--sequence.seed`), else 0.
 */
export function resolveRunSeed(env: string | undefined, sequence_seed: string | number | null | undefined): RunSeed {
  if (env !== undefined && env.trim() !== '') {
    try {
      return { seed: parseSeed(env), source: 'env' }
    } catch (error) {
      if (error instanceof InvalidSeed) throw new InvalidRunSeed(`${SEED_ENV}: ${error.message}`)
      throw error
    }
  }
  if (sequence_seed !== undefined && sequence_seed !== null) {
    try {
      return { seed: parseSeed(typeof sequence_seed === 'number' ? Math.abs(Math.trunc(sequence_seed)) : sequence_seed), source: 'sequence.seed' }
    } catch (error) {
      if (error instanceof InvalidSeed) throw new InvalidRunSeed(`--sequence.seed: ${error.message}`)
      throw error
    }
  }
  return { seed: parseSeed(DEFAULT_RUN_SEED), source: 'default' }
}

/** The pinned seed from `MARIONETTE_REPLAY_SEED`, or null when it is not set. */
export function resolveReplaySeed(env: string | undefined): Seed | null {
  if (env === undefined || env.trim() === '') return null
  try {
    return parseSeed(env)
  } catch (error) {
    if (error instanceof InvalidSeed) throw new InvalidRunSeed(`${REPLAY_SEED_ENV}: ${error.message}`)
    throw error
  }
}

/** FNV-1a 64 over the UTF-8 bytes of a name. */
function hashName(name: string): bigint {
  return fnv1a64(Buffer.from(name, 'utf8').toString('latin1'))
}

/**
 * A test's seed: `splitmix64(run_seed ^ fnv1a64(full_name))` for a u64 run
 * seed (a git-hash run seed folds in each of its words the same way).
 */
export function deriveTestSeed(run_seed: Seed, full_name: string): Seed {
  let acc = hashName(full_name)
  for (const word of run_seed.words) acc = splitmix64(acc ^ word)
  return parseSeed(acc)
}

/**
 * The seeds of a counted sweep: seed `i` is derived from the run seed and the
 * test's full name with `#i` appended, so every seed differs from the others,
 * from other tests' and from the run seed's, and a `-t` rerun gets the same list.
 */
export function deriveSweepSeeds(run_seed: Seed, full_name: string, count: number): Seed[] {
  if (!Number.isSafeInteger(count) || count <= 0) throw new RangeError(`seeds must be a positive integer count or a list of seeds, got ${count}`)
  return Array.from({ length: count }, (_, i) => deriveTestSeed(run_seed, `${full_name}#${i}`))
}

/** A file-name-safe form of a test name (at most 100 characters). */
export function sanitizeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '')
  return (safe === '' ? 'test' : safe).slice(0, 100)
}

/** The `-t` pattern matching exactly this full name (a regular expression, escaped). */
export function testNamePattern(full_name: string): string {
  return `^${full_name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`
}

/** Quotes a string for a POSIX shell inside double quotes. */
function doubleQuoted(text: string): string {
  return `"${text.replace(/[\\"$`]/g, '\\$&')}"`
}

/** A path as a shell word (quoted only when needed). */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : doubleQuoted(text)
}

/**
 * The command that replays one test: the run seed, the file and an exact `-t`
 * pattern. `root` is added as `--root` when it is not the working directory.
 */
export function replayCommand(run_seed: Seed, file: string, full_name: string, root?: string): string {
  return command(`${SEED_ENV}=${run_seed.text}`, file, full_name, root)
}

/** The command that replays one test with exactly `seed` (a seed of a sweep, or a remembered one). */
export function pinnedReplayCommand(seed: Seed, file: string, full_name: string, root?: string): string {
  return command(`${REPLAY_SEED_ENV}=${seed.text}`, file, full_name, root)
}

function command(assignment: string, file: string, full_name: string, root: string | undefined): string {
  const parts = [assignment, 'npx', 'vitest', 'run']
  if (root !== undefined) parts.push('--root', shellWord(root))
  parts.push(shellWord(file), '-t', doubleQuoted(testNamePattern(full_name)))
  return parts.join(' ')
}
