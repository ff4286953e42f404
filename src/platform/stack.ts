import { relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Stack inspection for the platform's two diagnostics: the fail-closed errors
 * (which name the caller's file:line:column) and the leak tripwires (which
 * decide whether a real clock read or timer came from code that should have
 * been simulated, and from which package).
 */

/** One stack frame with a source location. */
export interface Frame {
  /** A file path (file: URLs are converted), or a `node:` module id. */
  readonly file: string
  readonly line: number
  readonly column: number
}

function toPath(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file)
    } catch {
      return file
    }
  }
  return file.replace(/\\/g, '/')
}

const LOCATION = /((?:file:\/\/|node:|\/|[A-Za-z]:[\\/])[^()\s]*?):(\d+):(\d+)/

/** The frames of a V8 stack string (`error.stack`) that carry a location, innermost first. */
export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = []
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) continue
    // For `eval at f (file:1:2), <anonymous>:1:1` the first location is the code that called eval.
    const match = LOCATION.exec(line)
    if (match === null) continue
    frames.push({ file: toPath(match[1] as string), line: Number(match[2]), column: Number(match[3]) })
  }
  return frames
}

/** The directory holding the platform's own files (src/platform or dist/src/platform). */
export const PLATFORM_DIR = fileURLToPath(new URL('.', import.meta.url)).replace(/\\/g, '/')

/** This package's root: the directory above `src/` (or above `dist/src/` when running from the build). */
export const PACKAGE_ROOT = PLATFORM_DIR.replace(/src\/platform\/$/, '').replace(/dist\/$/, '')

/**
 * The package's own code: the simulator, the transform and the matchers, and
 * their build. Not the examples or the benchmarks: those are ordinary code that
 * runs under the transform like a user's, so a real call from them is a leak.
 */
const OWN_DIRS = ['src/', 'plugin/', 'matchers/', 'dist/src/', 'dist/plugin/', 'dist/matchers/'].map((dir) => PACKAGE_ROOT + dir)

/** The test runner's own packages (Vitest, Vite and what they run on): never a determinism leak. */
const RUNNER_PACKAGES = new Set([
  'marionette-sim',
  'vitest',
  'vite',
  'vite-node',
  'rolldown',
  'tinypool',
  'tinyspy',
  'tinybench',
  'tinyrainbow',
  'tinyexec',
  'tinyglobby',
  'birpc',
  'chai',
  'loupe',
  'deep-eql',
  'assertion-error',
  'check-error',
  'pathval',
  'magic-string',
  'es-module-lexer',
  'expect-type',
  'pathe',
  'std-env',
  'obug',
  'picomatch',
  'why-is-node-running',
  'source-map-support',
])
const RUNNER_SCOPES = ['@vitest/', '@jridgewell/', '@rolldown/', '@oxc-project/']

/** Who made a call, as the leak tripwires see it. */
export type Caller =
  /** This package, the test runner, or Node's module loader: not a leak. */
  | { readonly kind: 'exempt'; readonly why: 'own' | 'runner' | 'loader' }
  /** A dependency that the transform did not reach. */
  | { readonly kind: 'package'; readonly name: string; readonly frame: Frame }
  /** A project file the transform did not reach (outside `include`). */
  | { readonly kind: 'file'; readonly path: string; readonly frame: Frame }
  /** No frame with a source location (a native callback, a truncated stack). */
  | { readonly kind: 'unknown' }

/** The npm package a path belongs to (the segment after its last `node_modules/`), or null. */
export function packageOf(path: string): string | null {
  const at = path.lastIndexOf('/node_modules/')
  if (at === -1) return null
  const rest = path.slice(at + '/node_modules/'.length)
  const parts = rest.split('/')
  const first = parts[0] ?? ''
  // node_modules/.cache, .vite, .pnpm leftovers: not packages.
  if (first === '' || first.startsWith('.')) return null
  if (first.startsWith('@')) return parts.length > 2 ? `${first}/${parts[1]}` : null
  return parts.length > 1 ? first : null
}

/** What one frame says about the caller: a verdict, or 'skip' (Node's own code acting for its caller). */
function classifyFrame(frame: Frame): Caller | 'skip' {
  const file = frame.file
  if (file.startsWith('node:')) return file.startsWith('node:internal/modules/') ? { kind: 'exempt', why: 'loader' } : 'skip'
  if (!file.includes('/')) return 'skip'
  if (OWN_DIRS.some((dir) => file.startsWith(dir)) && !file.slice(PACKAGE_ROOT.length).includes('/node_modules/')) {
    return { kind: 'exempt', why: 'own' }
  }
  const name = packageOf(file)
  if (name !== null) {
    if (RUNNER_PACKAGES.has(name) || RUNNER_SCOPES.some((scope) => name.startsWith(scope))) return { kind: 'exempt', why: 'runner' }
    return { kind: 'package', name, frame }
  }
  return { kind: 'file', path: file, frame }
}

/**
 * Classifies a call by the first frame that is not Node's own code. A frame in
 * Node's module loader means the call is module loading (exempt, whatever asked
 * for the module); other `node:` frames are Node acting for its caller, so the
 * search goes on past them.
 */
export function classifyFrames(frames: readonly Frame[]): Caller {
  for (const frame of frames) {
    const verdict = classifyFrame(frame)
    if (verdict !== 'skip') return verdict
  }
  return { kind: 'unknown' }
}

type CallSiteHandler = (error: Error, sites: NodeJS.CallSite[]) => unknown

/** The call sites of the callers of `below` (frames above and including it are left out). */
function callSites(below: Function, limit: number): NodeJS.CallSite[] {
  const previous_prepare = Error.prepareStackTrace
  const previous_limit = Error.stackTraceLimit
  const holder: { stack?: unknown } = {}
  try {
    Error.prepareStackTrace = ((_, call_sites) => call_sites) as CallSiteHandler
    Error.stackTraceLimit = limit
    Error.captureStackTrace(holder, below)
    return holder.stack as NodeJS.CallSite[]
  } finally {
    Error.prepareStackTrace = previous_prepare
    Error.stackTraceLimit = previous_limit
  }
}

function frameOf(site: NodeJS.CallSite): Frame | null {
  if (site.isEval()) {
    const origin = LOCATION.exec(site.getEvalOrigin() ?? '')
    if (origin !== null) return { file: toPath(origin[1] as string), line: Number(origin[2]), column: Number(origin[3]) }
  }
  const file = site.getFileName()
  if (typeof file !== 'string' || file === '') return null
  return { file: toPath(file), line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0 }
}

/** The callers of `below` as frames, innermost first, from structured call sites (no stack string, no source maps). */
export function callerFrames(below: Function, limit: number): Frame[] {
  const frames: Frame[] = []
  for (const site of callSites(below, limit)) {
    const frame = frameOf(site)
    if (frame !== null) frames.push(frame)
  }
  return frames
}

/**
 * `classifyFrames(callerFrames(below, limit))`, stopping at the first frame that
 * decides: the fast path the tripwires take on every call they intercept.
 */
export function classifyCaller(below: Function, limit: number): Caller {
  // Most calls are decided by their first frame: capture a few, and the rest only when those were all Node's.
  const few = Math.min(limit, 4)
  for (const capture of few < limit ? [few, limit] : [limit]) {
    const sites = callSites(below, capture)
    for (const site of sites) {
      const frame = frameOf(site)
      if (frame === null) continue
      const verdict = classifyFrame(frame)
      if (verdict !== 'skip') return verdict
    }
    if (sites.length < capture) break
  }
  return { kind: 'unknown' }
}

/** The platform's own runtime files (its tests, which live beside them, are callers like any other). */
function isPlatformFile(file: string): boolean {
  return file.startsWith(PLATFORM_DIR) && !/\.(test|spec)\.[cm]?[jt]s$/.test(file)
}

/** `file:line:column` of the first frame outside the platform and outside Node's own code. */
export function callerLocation(stack: string): string | null {
  for (const frame of parseStack(stack)) {
    if (frame.file.startsWith('node:') || isPlatformFile(frame.file)) continue
    return `${frame.file}:${frame.line}:${frame.column}`
  }
  return null
}

/**
 * A path as messages and traces show it: relative to the working directory
 * (the project root under a test runner) when inside it, so the same code gives
 * the same text on every checkout; absolute otherwise.
 */
export function displayPath(path: string): string {
  if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path)) return path
  const from_cwd = relative(process.cwd(), path)
  if (from_cwd === '' || from_cwd.startsWith('..') || /^[A-Za-z]:/.test(from_cwd)) return path
  return from_cwd.split(sep).join('/')
}

/** The `at ...` lines of a stack string, without the error's own message line(s). */
export function stackLines(stack: string, max: number): string[] {
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, max)
    .map((line) => line.trim())
}
