/**
 * The plugin's options, the file filter (which files are simulated), and the
 * paths of the simulated platform that transformed code imports.
 *
 * Shared by the bundler plugin (`index.ts`), its Vitest additions (`vite.ts`)
 * and the CommonJS require hook (`cjs_hook.ts`); it imports nothing from
 * Vite or Vitest so the hook can load it in a test worker cheaply.
 */
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RedirectedModule } from './transform.js'

export interface MarionetteOptions {
  /** Files under test to simulate (picomatch globs relative to the Vite root). Default ['src/**'] */
  include?: string | string[]
  exclude?: string | string[]
  /** npm packages to simulate as well (their files are transformed; they are inlined for Vitest). */
  simulate?: string[]
  /** Keep failing seeds in `.marionette/failures.json` and run them first next time, until they pass (default true). */
  memory?: boolean
}

/** The plugin's name, as bundlers and `vite.config.plugins` show it. */
export const PLUGIN_NAME = 'marionette-sim'

export const DEFAULT_INCLUDE: readonly string[] = ['src/**']

/** Scripts the transform can parse (after a bundler's own TypeScript/JSX step, or before it). */
const SCRIPT_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/

// ---------------------------------------------------------------------------
// Where this package's files are. The layout is the same from source
// (plugin/*.ts next to src/platform/*.ts, as this repository runs its own tests)
// and built (dist/plugin/*.js next to dist/src/platform/*.js), so everything is
// computed from this file's own URL.

const HERE = fileURLToPath(new URL('.', import.meta.url))
/** `.ts` when running from the sources, `.js` from dist/. */
export const OWN_EXTENSION: '.ts' | '.js' = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

/** Absolute path of the simulated platform module that transformed code imports. */
export const PLATFORM_PATH = fileURLToPath(new URL(`../src/platform/index${OWN_EXTENSION}`, import.meta.url))
const PLATFORM_MODULES_DIR = fileURLToPath(new URL('../src/platform/modules/', import.meta.url))

/** The module file that replaces a redirected builtin (`fs/promises` → `src/platform/modules/fs_promises.ts`). */
export function platformModulePath(module: RedirectedModule): string {
  return join(PLATFORM_MODULES_DIR, `${module.replace('/', '_')}${OWN_EXTENSION}`)
}

/** Where transformed code finds the platform: its index and the wrapper of each redirected builtin module. */
export interface PlatformPaths {
  readonly index: string
  module(name: RedirectedModule): string
}

export const PLATFORM: PlatformPaths = { index: PLATFORM_PATH, module: platformModulePath }

/**
 * The platform as Node's own loader can load it, for CommonJS code that
 * `require()`s it: the same as `PLATFORM` when running built; when running
 * from the TypeScript sources (this repository's own tests), which Node cannot
 * require, the build beside them (`dist/src/platform/`), or null if there is none.
 */
export function requirablePlatform(): PlatformPaths | null {
  if (OWN_EXTENSION === '.js') return PLATFORM
  const dist = fileURLToPath(new URL('../dist/src/platform/', import.meta.url))
  const index = join(dist, 'index.js')
  if (!existsSync(index)) return null
  return { index, module: (name) => join(dist, 'modules', `${name.replace('/', '_')}.js`) }
}

/** The setup file that registers the matchers (`matchers/setup`), appended to `test.setupFiles` by the Vitest plugin. */
export const MATCHERS_SETUP_PATH = fileURLToPath(new URL(`../matchers/setup${OWN_EXTENSION}`, import.meta.url))

/** The setup file that skips the non-sweep tests of a file a shard runs only for its sweeps. */
export const SWEEP_SETUP_PATH = fileURLToPath(new URL(`./sweep_setup${OWN_EXTENSION}`, import.meta.url))

/** The setup file the Vitest plugin appends to `test.setupFiles` (installs the CommonJS require hook). */
export const CJS_SETUP_PATH = fileURLToPath(new URL(`./cjs_setup${OWN_EXTENSION}`, import.meta.url))

/**
 * Folders of marionette-sim itself, never transformed whatever `include` says:
 * the platform and the rest of the library (it must reach the real clock and
 * timers), the plugin, the matchers. From source: <repo>/{src,plugin,matchers};
 * built: <package>/dist/{src,plugin,matchers} (and the shipped sources beside them).
 */
const PACKAGE_ROOT = OWN_EXTENSION === '.ts' ? join(HERE, '..') : join(HERE, '..', '..')
const OWN_DIRS: readonly string[] = [
  ...['src', 'plugin', 'matchers'].map((dir) => join(PACKAGE_ROOT, dir) + sep),
  ...['src', 'plugin', 'matchers'].map((dir) => join(PACKAGE_ROOT, 'dist', dir) + sep),
]

// ---------------------------------------------------------------------------
// Globs

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A picomatch-style glob as an anchored RegExp over a `/`-separated path:
 * `**` (any number of whole segments), `*` and `?` (within one segment),
 * `{a,b}` (alternatives, nestable), `[abc]`/`[!abc]` (character classes),
 * `\x` (a literal character). `src/**` also matches `src` itself.
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = glob.replace(/\\(?![*?{}[\]!,\\])/g, '/')
  if (pattern.startsWith('./')) pattern = pattern.slice(2)
  let out = ''
  let depth = 0
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string
    const at_segment_start = i === 0 || pattern[i - 1] === '/'
    if (ch === '*' && pattern[i + 1] === '*' && at_segment_start && (i + 2 === pattern.length || pattern[i + 2] === '/')) {
      if (i + 2 === pattern.length) {
        // Trailing `**`: everything below (and the folder itself, when it follows a `/`).
        if (out.endsWith('/')) out = out.slice(0, -1) + '(?:/.*)?'
        else out += '.*'
        i += 1
      } else {
        // `**/`: zero or more whole segments. Leaves i on the `/`, which the loop steps over.
        out += '(?:[^/]*/)*'
        i += 2
      }
      continue
    }
    if (ch === '*') {
      while (pattern[i + 1] === '*') i++
      out += '[^/]*'
    } else if (ch === '?') out += '[^/]'
    else if (ch === '{') {
      depth++
      out += '(?:'
    } else if (ch === '}' && depth > 0) {
      depth--
      out += ')'
    } else if (ch === ',' && depth > 0) out += '|'
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2)
      if (close === -1) out += '\\['
      else {
        let body = pattern.slice(i + 1, close)
        if (body.startsWith('!')) body = '^' + body.slice(1)
        out += `[${body.replace(/\\/g, '\\\\')}]`
        i = close
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1] as string)
      i++
    } else out += escapeRegExp(ch)
  }
  if (depth !== 0) throw new Error(`marionette-sim: unbalanced braces in the glob ${JSON.stringify(glob)}`)
  return new RegExp(`^${out}$`)
}

// ---------------------------------------------------------------------------
// Packages

const PACKAGE_NAME = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i

/** Forward slashes, query string removed. */
export function cleanId(id: string): string {
  const query = id.search(/[?#]/)
  return (query === -1 ? id : id.slice(0, query)).replace(/\\/g, '/')
}

/**
 * The npm package a file belongs to: the name after the last `node_modules/`
 * (so pnpm's `node_modules/.pnpm/<pkg>@<version>/node_modules/<pkg>/…` and a
 * nested `node_modules/a/node_modules/b/…` give the innermost package), or null.
 */
export function packageOfFile(file: string): string | null {
  const path = file.replace(/\\/g, '/')
  const at = path.lastIndexOf('/node_modules/')
  if (at === -1) return null
  const parts = path.slice(at + '/node_modules/'.length).split('/')
  const first = parts[0] ?? ''
  if (first === '' || first.startsWith('.')) return null
  if (first.startsWith('@')) return parts.length > 2 ? `${first}/${parts[1]}` : null
  return parts.length > 1 ? first : null
}

/** True when the file is inside one of the given packages (see `packageOfFile`). */
export function inPackages(file: string, packages: ReadonlySet<string>): boolean {
  const name = packageOfFile(file)
  return name !== null && packages.has(name)
}

/** A RegExp matching the files of one package, for Vitest's `server.deps.inline`. */
export function packageFilesRegExp(name: string): RegExp {
  // The package folder after a node_modules/, with no node_modules/ below it (not a nested dependency).
  return new RegExp(`[\\\\/]node_modules[\\\\/]${escapeRegExp(name).replace('/', '[\\\\/]')}[\\\\/](?!(?:.*[\\\\/])?node_modules[\\\\/])`)
}

/** The folder of an installed package, looking up from `root` like Node's resolution does; null if absent. */
export function findInstalledPackage(name: string, root: string): string | null {
  let dir = root
  for (;;) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

// ---------------------------------------------------------------------------
// The filter

function toList(value: string | string[] | undefined, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback]
  return typeof value === 'string' ? [value] : [...value]
}

export interface ResolvedOptions {
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly simulate: readonly string[]
  readonly memory: boolean
}

/** Checks and normalizes user options; throws a plain message for a wrong value. */
export function resolveOptions(options: MarionetteOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`marionette-sim: the plugin options must be an object, got ${String(options)}`)
  }
  const include = toList(options.include, DEFAULT_INCLUDE)
  const exclude = toList(options.exclude, [])
  for (const [key, list] of [['include', include], ['exclude', exclude]] as const) {
    for (const glob of list) {
      if (typeof glob !== 'string' || glob === '') throw new TypeError(`marionette-sim: ${key} must be glob strings, got ${JSON.stringify(glob)}`)
    }
  }
  const simulate = options.simulate ?? []
  if (!Array.isArray(simulate)) throw new TypeError(`marionette-sim: simulate must be an array of package names, got ${JSON.stringify(simulate)}`)
  for (const name of simulate) {
    if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
      throw new TypeError(`marionette-sim: simulate must list npm package names (like 'some-dep' or '@scope/dep'), got ${JSON.stringify(name)}`)
    }
  }
  const memory = options.memory ?? true
  if (typeof memory !== 'boolean') throw new TypeError(`marionette-sim: memory must be true or false, got ${JSON.stringify(memory)}`)
  return { include, exclude, simulate: [...new Set(simulate)], memory }
}

/** Decides which module ids the transform touches, for one project root. */
export class FileFilter {
  readonly simulate: ReadonlySet<string>
  private readonly include: readonly RegExp[]
  private readonly exclude: readonly RegExp[]
  private root: string

  constructor(options: ResolvedOptions, root: string = process.cwd()) {
    this.simulate = new Set(options.simulate)
    this.include = options.include.map(globToRegExp)
    this.exclude = options.exclude.map(globToRegExp)
    this.root = root
  }

  /** The folder the include/exclude globs are relative to (Vite's `root`). */
  setRoot(root: string): void {
    this.root = root
  }

  /** True for a file of marionette-sim itself (the platform, the runner, the plugin): never transformed. */
  static isOwnFile(file: string): boolean {
    const native = file.split('/').join(sep)
    return OWN_DIRS.some((dir) => native.startsWith(dir))
  }

  /** Whether to transform this module id (an absolute path, possibly with a `?query`). */
  matches(id: string): boolean {
    if (id.startsWith('\0') || id.startsWith('virtual:') || id.includes('\0')) return false
    const file = cleanId(id)
    if (!SCRIPT_FILE.test(file)) return false
    if (!isAbsolute(file) && !/^[A-Za-z]:\//.test(file)) return false
    if (FileFilter.isOwnFile(file)) return false
    if (file.includes('/node_modules/')) return inPackages(file, this.simulate)
    const rel = relative(this.root, file).split(sep).join('/')
    const candidates = [rel, file]
    const matches = (globs: readonly RegExp[]): boolean => globs.some((glob) => candidates.some((path) => glob.test(path)))
    return matches(this.include) && !matches(this.exclude)
  }
}
