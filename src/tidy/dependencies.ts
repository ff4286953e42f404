/**
 * The dependency audit (`--simulate <pkg>`): a package the simulation runs is transformed like the
 * code under test, so the same rules apply to all its JavaScript, and a compiled addon in it
 * (`binding.gyp`, `*.node`) is a finding by itself.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { walkFiles, type WalkOptions } from './files.js'
import { TidyUsageError } from './usage_error.js'

export interface Dependency {
  /** The name in its package.json (else as given). */
  readonly name: string
  /** Absolute path of the package directory. */
  readonly directory: string
}

/** A file found in a dependency that is a finding by its mere presence. */
export interface NativeArtifact {
  readonly path: string
  readonly message: string
}

export interface DependencyFiles {
  /** JavaScript files to check, absolute. */
  readonly sources: string[]
  readonly native: NativeArtifact[]
}

const TEST_DIRECTORIES: ReadonlySet<string> = new Set(['test', 'tests', '__tests__', 'spec', 'specs', '__mocks__'])
const JS_EXTENSIONS: ReadonlySet<string> = new Set(['.js', '.cjs', '.mjs'])

function isPathLike(name: string): boolean {
  return name.startsWith('./') || name.startsWith('../') || name.startsWith('/') || name === '.' || name === '..'
}

function isPackageName(name: string): boolean {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)
}

function packageNameIn(directory: string, fallback: string): string {
  try {
    const name = (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: unknown }).name
    return typeof name === 'string' && name !== '' ? name : fallback
  } catch {
    return fallback
  }
}

/** Finds `name` as Node does for a bare specifier: `node_modules/<name>` in `cwd` or the nearest parent that has it. */
export function resolveDependency(name: string, cwd: string): Dependency {
  if (isPathLike(name)) {
    const directory = resolve(cwd, name)
    if (!existsSync(join(directory, 'package.json'))) throw new TidyUsageError(`--simulate ${name}: no package.json in ${directory}`)
    return { name: packageNameIn(directory, name), directory }
  }
  if (!isPackageName(name)) throw new TidyUsageError(`--simulate ${JSON.stringify(name)} is not a package name (nor a ./path to a package)`)
  for (let directory = resolve(cwd); ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json')) && statSync(candidate).isDirectory()) return { name, directory: candidate }
    if (dirname(directory) === directory) break
  }
  throw new TidyUsageError(`cannot find package ${JSON.stringify(name)}: no node_modules/${name}/package.json in ${cwd} or above it`)
}

/**
 * The files of a dependency: its .js/.cjs/.mjs files (not in its test folders, nor in its own
 * node_modules: list those with --simulate too), and its native addon files.
 */
export function dependencyFiles(dependency: Dependency): DependencyFiles {
  const walk: WalkOptions = {
    skip_directory: (name) => name === 'node_modules' || TEST_DIRECTORIES.has(name) || name.startsWith('.'),
    take_file: (name) => name === 'binding.gyp' || name.endsWith('.node') || JS_EXTENSIONS.has(extname(name)),
  }
  const sources: string[] = []
  const native: NativeArtifact[] = []
  for (const path of walkFiles(dependency.directory, walk)) {
    const name = basename(path)
    if (name === 'binding.gyp') native.push({ path, message: `package ${dependency.name} builds a native addon (binding.gyp)` })
    else if (name.endsWith('.node')) native.push({ path, message: `package ${dependency.name} ships the compiled addon ${name}` })
    else sources.push(path)
  }
  return { sources, native }
}
