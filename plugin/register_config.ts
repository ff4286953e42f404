/**
 * Which files `marionette-sim/register` (the Node module hooks) runs under
 * simulation, read from the environment and the nearest package.json.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { FileFilter, resolveOptions } from './options.js'

export interface RegisterConfig {
  /**
   * Globs of the files to simulate (picomatch-style, as for the Vite plugin),
   * relative to `root` or absolute. A pattern without glob characters names a
   * file or a whole folder. null: every file outside node_modules.
   */
  readonly include: readonly string[] | null
  /** npm packages (in node_modules) whose files are simulated too. */
  readonly simulate: readonly string[]
  /** The folder relative `include` globs are relative to (absolute). */
  readonly root: string
}

export class InvalidRegisterConfig extends Error {
  override name = 'InvalidRegisterConfig'
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InvalidRegisterConfig(`${where} must be an array of strings, got ${JSON.stringify(value)}`)
  }
  return value as string[]
}

/** The nearest package.json at or above `dir`, or null. */
export function nearestPackageJson(dir: string): string | null {
  for (let current = resolve(dir); ; ) {
    const candidate = join(current, 'package.json')
    if (existsSync(candidate)) return candidate
    const parent = dirname(current)
    if (parent === current) return null
    current = parent
  }
}

interface PackageField {
  readonly file: string
  readonly include?: unknown
  readonly simulate?: unknown
}

function packageField(cwd: string): PackageField | null {
  const file = nearestPackageJson(cwd)
  if (file === null) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InvalidRegisterConfig(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const field = (parsed as { marionette?: unknown } | null)?.marionette
  if (field === undefined) return null
  if (field === null || typeof field !== 'object' || Array.isArray(field)) {
    throw new InvalidRegisterConfig(`the "marionette" field of ${file} must be an object like { "include": [...], "simulate": [...] }`)
  }
  return { file, ...(field as object) }
}

/**
 * The configuration of a process started in `cwd`. Each setting comes from the
 * first of these that has it:
 *
 * 1. the environment: `MARIONETTE_INCLUDE` (comma-separated globs, relative to
 *    `cwd`), `MARIONETTE_SIMULATE` (comma-separated package names); set but
 *    empty means none;
 * 2. the `marionette` field of the nearest package.json at or above `cwd`:
 *    `{ "include": [...], "simulate": [...] }` (globs relative to that
 *    package.json's folder);
 * 3. the defaults: every file outside node_modules; no package.
 */
export function resolveConfig(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): RegisterConfig {
  const field = packageField(cwd)
  let include: string[] | null = null
  let root = resolve(cwd)
  if (env.MARIONETTE_INCLUDE !== undefined) {
    include = splitList(env.MARIONETTE_INCLUDE)
  } else if (field?.include !== undefined) {
    include = stringList(field.include, `"marionette.include" in ${field.file}`)
    root = dirname(field.file)
  }
  let simulate: string[] = []
  if (env.MARIONETTE_SIMULATE !== undefined) simulate = splitList(env.MARIONETTE_SIMULATE)
  else if (field?.simulate !== undefined) simulate = stringList(field.simulate, `"marionette.simulate" in ${field.file}`)
  return checkConfig({ include, simulate, root })
}

/** Validates a configuration (the package names, the globs); returns it unchanged. */
export function checkConfig(config: RegisterConfig): RegisterConfig {
  try {
    resolveOptions({ include: [...(config.include ?? ['**'])], simulate: [...config.simulate] })
  } catch (error) {
    throw new InvalidRegisterConfig(error instanceof Error ? error.message.replace(/^marionette-sim: /, '') : String(error))
  }
  return config
}

const GLOB_CHARACTERS = /[*?{}[\]]/

/** A glob that matches `folder` and everything in it, whatever characters its path holds. */
export function folderGlob(folder: string): string {
  return `${folder.replace(/[\\/]+$/, '').replace(/[*?{}[\]!,\\]/g, '\\$&')}/**`
}

/**
 * The per-file decision: whether a file (absolute path) is simulated.
 * Marionette's own files (its runtime, plugin and matchers) never are.
 */
export function createFilter(config: RegisterConfig): (file: string) => boolean {
  // A plain path names a file or a folder: `examples` is `examples/**` (which matches `examples` itself too).
  const include = (config.include ?? ['**']).map((pattern) => (GLOB_CHARACTERS.test(pattern) ? pattern : `${pattern.replace(/[\\/]+$/, '')}/**`))
  const filter = new FileFilter(resolveOptions({ include, simulate: [...config.simulate] }), config.root)
  return (file) => filter.matches(file)
}
