/**
 * The CommonJS require hook for Vitest workers.
 *
 * Vitest transforms an inlined CommonJS package's entry file through Vite, but
 * the files that entry `require()`s are loaded by Node's own CommonJS loader
 * and never reach a Vite plugin. The worker installs the same `_compile` hook
 * as `marionette-sim/register` (`require_hook.ts`), without its TypeScript
 * parts, selecting only the files of the `simulate` packages; every other file
 * goes to the previous `_compile` untouched, and Node still reads, resolves,
 * caches and wraps modules as always.
 *
 * Installed once per thread (a second install only updates the package list)
 * by `cjs_setup.ts`, which the Vitest plugin appends to `test.setupFiles`.
 */
import { createRequire } from 'node:module'
import type { compile } from './compile.js'
import { FileFilter, inPackages, PLUGIN_NAME, requirablePlatform } from './options.js'
import { installRequireHook } from './require_hook.js'

/** The compiler, loaded synchronously (require of the built ES module) on the first cache miss. */
function loadCompiler(): typeof compile {
  const require = createRequire(import.meta.url)
  return (require('./compile.js') as { compile: typeof compile }).compile
}

const COMMONJS_FILE = /\.(?:c?js)$/
const PACKAGES_KEY = Symbol.for('marionette-sim.cjs_hook.packages')

function slot(): Record<symbol, { packages: ReadonlySet<string> } | undefined> {
  return globalThis as unknown as Record<symbol, { packages: ReadonlySet<string> } | undefined>
}

/** Installs the hook in this thread, or updates the package list of the one installed. */
export function installCjsHook(simulate: readonly string[]): void {
  const existing = slot()[PACKAGES_KEY]
  if (existing !== undefined) {
    existing.packages = new Set(simulate)
    return
  }
  const platform = requirablePlatform()
  if (platform === null) {
    throw new Error(`[${PLUGIN_NAME}] simulating CommonJS packages from the TypeScript sources needs the built platform (dist/src/platform/): run npm run build`)
  }
  const state = { packages: new Set(simulate) as ReadonlySet<string> }
  slot()[PACKAGES_KEY] = state
  installRequireHook(
    (file) => state.packages.size > 0 && COMMONJS_FILE.test(file) && inPackages(file, state.packages) && !FileFilter.isOwnFile(file),
    platform,
    { typescript: false, loadCompiler },
  )
}
