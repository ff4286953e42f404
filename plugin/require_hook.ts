/**
 * The CommonJS side of `marionette-sim/register`. On Node 20, `require()` never
 * reaches the ES module hooks (`loader_hooks.ts`), so this hook works inside
 * Node's CommonJS loader, in the thread that loads the code:
 *
 * - `Module.prototype._compile` is wrapped: a TypeScript file has its types
 *   stripped, a file the configuration selects is transformed, both with an
 *   inline source map, before Node compiles it;
 * - `.ts` and `.cts` are registered as extensions (so `require('./x')` finds
 *   `x.ts`), and a relative `require('./x.js')` that finds no file tries
 *   `./x.ts` (`.cjs` → `.cts`).
 *
 * The Vitest workers install it too (`cjs_hook.ts`), without the TypeScript
 * parts, for the files that inlined `simulate` packages `require()`.
 */
import Module from 'node:module'
import type { compile, PlatformLocation } from './compile.js'
import { CompileCache } from './compile_cache.js'

/** Loads the compiler (and with it the parser) on the first file the cache cannot answer. */
export type CompilerLoader = () => typeof compile

const TYPESCRIPT = /\.[cm]?ts$/

type CompileFunction = (this: unknown, content: string, filename: string, format?: string, ...rest: unknown[]) => unknown
type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string

interface ModuleInternals {
  prototype: { _compile: CompileFunction }
  _extensions: Record<string, (module: unknown, filename: string) => void>
  _resolveFilename: ResolveFilename
}

interface HookState {
  /** One filter per installation; a file is simulated when any of them selects it. */
  readonly filters: ((file: string) => boolean)[]
  readonly platform: PlatformLocation
  /** Strip types from `.ts`/`.cts` files and resolve them (plain scripts: yes; Vitest workers: no). */
  typescript: boolean
  readonly loadCompiler: CompilerLoader
  readonly cache: CompileCache | null
}

export interface RequireHookOptions {
  /** Load TypeScript through require(): strip types, register `.ts`/`.cts`, try `./x.ts` for `./x.js`. */
  typescript: boolean
  loadCompiler: CompilerLoader
}

const STATE_KEY = Symbol.for('marionette-sim.require_hook')
const RELATIVE = /^\.\.?[\\/]|^\//
const JS_EXTENSION = /\.(c?)js$/

function slot(): Record<symbol, HookState | undefined> {
  return globalThis as unknown as Record<symbol, HookState | undefined>
}

/** Installs the hook in this thread; a second call adds its filter to the first one's. */
export function installRequireHook(filter: (file: string) => boolean, platform: PlatformLocation, options: RequireHookOptions): void {
  const internals = Module as unknown as ModuleInternals
  const existing = slot()[STATE_KEY]
  if (existing !== undefined) {
    existing.filters.push(filter)
    if (options.typescript && !existing.typescript) {
      existing.typescript = true
      installTypeScriptResolution(internals)
    }
    return
  }
  let compiler: typeof compile | null = null
  const state: HookState = {
    filters: [filter],
    platform,
    typescript: options.typescript,
    loadCompiler: () => (compiler ??= options.loadCompiler()),
    cache: CompileCache.fromEnvironment(),
  }
  slot()[STATE_KEY] = state

  const previous_compile = internals.prototype._compile
  internals.prototype._compile = function marionetteRegisterCompile(this: unknown, content, filename, format, ...rest) {
    if (typeof content === 'string' && typeof filename === 'string') {
      const typescript = state.typescript && TYPESCRIPT.test(filename)
      const simulate = state.filters.some((selects) => selects(filename))
      if (typescript || simulate) {
        // Node passes 'module' for an ES module it loads through require(); anything else
        // _compile runs is wrapped as CommonJS, whatever the code looks like.
        const kind = format === 'module' ? 'esm' : 'cjs'
        const key = state.cache?.key(filename, content, `${kind}:${simulate}:${state.platform.index}`)
        let code = key === undefined ? undefined : state.cache?.get(key)
        if (code === undefined) {
          code = state.loadCompiler()(content, { filename, format: kind, simulate, platform: state.platform })
          if (key !== undefined) state.cache?.set(key, code)
        }
        if (code !== null) return previous_compile.call(this, code, filename, format, ...rest)
      }
    }
    return previous_compile.call(this, content, filename, format, ...rest)
  }

  if (options.typescript) installTypeScriptResolution(internals)
}

function installTypeScriptResolution(internals: ModuleInternals): void {
  const load_js = internals._extensions['.js']
  if (load_js !== undefined) {
    for (const extension of ['.ts', '.cts']) internals._extensions[extension] ??= load_js
  }

  const previous_resolve = internals._resolveFilename
  internals._resolveFilename = function marionetteResolveFilename(this: unknown, request, parent, ...rest) {
    try {
      return previous_resolve.call(this, request, parent, ...rest)
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND' || typeof request !== 'string') throw error
      if (!RELATIVE.test(request) || !JS_EXTENSION.test(request)) throw error
      try {
        return previous_resolve.call(this, request.replace(JS_EXTENSION, '.$1ts'), parent, ...rest)
      } catch {
        throw error
      }
    }
  }
}
