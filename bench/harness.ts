/**
 * What every benchmark here shares: its command line (`--quick`, `--reps`,
 * `--warmup`, `--no-write`, `--only`, and its own numeric options), the
 * median, where the package is, and writing `bench/results/<name>.json`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export interface BenchArgs<Sizes extends string, Runner extends string> {
  /** The benchmark's own numeric options (`--ticks`, `--rounds`, ...), by name without dashes. */
  readonly sizes: Record<Sizes, number>
  readonly reps: number
  readonly warmup: number
  /** The runners to measure (`--only a,b`), all by default. */
  readonly only: Runner[]
  /** Write bench/results/<name>.json (off with `--no-write`). */
  readonly write: boolean
}

/** Bounds of every numeric option: inclusive, integers. */
export interface SizeSpec {
  readonly default: number
  readonly min: number
  readonly max: number
}

const MAX_REPS = 1_000

/**
 * Parses a benchmark's arguments. `--quick` is 3 repetitions after 1 warm-up;
 * an unknown argument, a missing value or a value out of bounds throws, naming it.
 */
export function parseBenchArgs<Sizes extends string, Runner extends string>(
  argv: readonly string[],
  sizes: Readonly<Record<Sizes, SizeSpec>>,
  runners: readonly Runner[],
): BenchArgs<Sizes, Runner> {
  const values = Object.fromEntries(Object.entries<SizeSpec>(sizes).map(([name, spec]) => [name, spec.default])) as Record<Sizes, number>
  let reps = 11
  let warmup = 3
  let only = [...runners]
  let write = true
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    const size = arg.startsWith('--') ? arg.slice(2) : ''
    if (arg === '--quick') {
      reps = 3
      warmup = 1
    } else if (arg === '--reps') reps = Number(value())
    else if (arg === '--warmup') warmup = Number(value())
    else if (arg === '--no-write') write = false
    else if (arg === '--only') {
      const names = value().split(',')
      for (const name of names) if (!(runners as readonly string[]).includes(name)) throw new Error(`unknown runner ${name} (the runners are ${runners.join(', ')})`)
      only = names as Runner[]
    } else if (Object.hasOwn(sizes, size)) values[size as Sizes] = Number(value())
    else throw new Error(`unknown argument ${arg}`)
  }
  checkInteger('--reps', reps, 1, MAX_REPS)
  checkInteger('--warmup', warmup, 0, MAX_REPS)
  for (const [name, spec] of Object.entries<SizeSpec>(sizes)) checkInteger(`--${name}`, values[name as Sizes], spec.min, spec.max)
  return { sizes: values, reps, warmup, only, write }
}

export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`)
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The folder holding package.json above this file (the repository, from the sources or dist/). */
export function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return process.cwd()
    dir = parent
  }
}

/** Writes `bench/results/<name>.json` and says where. */
export function writeResults(name: string, report: unknown): void {
  const dir = path.join(findPackageRoot(), 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  console.log(`wrote ${path.relative(process.cwd(), file)}`)
}

/** Runs `main` when `module_url` is the script Node was started with (not when a test imports it). */
export function runIfMain(module_url: string, main: () => Promise<void>): void {
  const entry = process.argv[1]
  if (entry === undefined || module_url !== pathToFileURL(entry).href) return
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}

/**
 * The measured values of a benchmark, by `<shape>/<runner>` id, and each run's
 * result hash: a hash that changes between repetitions means the run is not
 * deterministic, which makes the figures meaningless, so it throws.
 */
export class Samples {
  readonly #values = new Map<string, number[]>()
  readonly #hashes = new Map<string, number | string>()

  /** Records one run: its hash always, its value when `measured` (not a warm-up). */
  add(id: string, hash: number | string, value: number, measured: boolean): void {
    const previous = this.#hashes.get(id)
    if (previous !== undefined && previous !== hash) throw new Error(`${id}: the hash changed between repetitions (${previous} then ${hash})`)
    this.#hashes.set(id, hash)
    if (!measured) return
    let list = this.#values.get(id)
    if (list === undefined) this.#values.set(id, (list = []))
    list.push(value)
  }

  values(id: string): readonly number[] | undefined {
    return this.#values.get(id)
  }

  hash(id: string): number | string | undefined {
    return this.#hashes.get(id)
  }
}

/** `rep 3/11` or `warm-up 1/3` on stderr after repetition `rep` (0-based, warm-ups first). */
export function reportRepetition(rep: number, warmup: number, reps: number): void {
  const measured = rep >= warmup
  process.stderr.write(`${measured ? 'rep' : 'warm-up'} ${measured ? rep - warmup + 1 : rep + 1}/${measured ? reps : warmup}\n`)
}
