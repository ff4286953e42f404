/**
 * Module loads: which specifiers escape the simulation (node:vm, threads, native addons, network
 * modules the platform does not simulate), and which imported names are real APIs the transform
 * only redirects as globals (`performance` from node:perf_hooks, `hrtime` from node:process).
 */
import type { ESTree } from 'rolldown/utils'
import { builtinName } from './globals.js'
import type { RuleId } from './rules.js'

export interface ModuleFinding {
  readonly rule: RuleId
  readonly message: string
}

/** Packages whose purpose is to find and load a compiled addon. */
const NATIVE_LOADERS: ReadonlySet<string> = new Set([
  'bindings',
  'node-gyp-build',
  'node-gyp-build-optional-packages',
  'node-pre-gyp',
  '@mapbox/node-pre-gyp',
  'prebuild-install',
  'pkg-prebuilds',
])

const THREAD_MODULES: ReadonlySet<string> = new Set(['worker_threads', 'child_process', 'cluster'])

/** Network modules with no simulated counterpart (net and http have one). */
const REAL_NETWORK_MODULES: ReadonlySet<string> = new Set(['https', 'http2', 'tls', 'dgram'])

/** Names imported from a builtin that are the real clock, where only the global is redirected. */
const REAL_NAMED_IMPORTS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ['perf_hooks', new Map([['performance', 'performance']])],
  [
    'process',
    new Map([
      ['hrtime', 'process.hrtime'],
      ['nextTick', 'process.nextTick'],
    ]),
  ],
])

/** The package part of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/** What loading `specifier` escapes, or null when the simulation can handle it. */
export function classifyModule(specifier: string): ModuleFinding | null {
  const builtin = builtinName(specifier)
  if (builtin === 'vm') return { rule: 'eval', message: `${specifier} compiles and runs code the transform never sees` }
  if (THREAD_MODULES.has(builtin)) return { rule: 'threads', message: `${specifier} runs code outside the simulated event loop` }
  if (REAL_NETWORK_MODULES.has(builtin)) return { rule: 'real-io', message: `${specifier} talks to the real network; the platform does not simulate it` }
  if (/\.node$/.test(specifier)) return { rule: 'native-addon', message: `loads the native addon ${specifier}` }
  if (!specifier.startsWith('.') && !specifier.startsWith('/') && NATIVE_LOADERS.has(packageName(specifier))) {
    return { rule: 'native-addon', message: `${specifier} loads a native addon` }
  }
  return null
}

/** Named imports of real clock functions: `import { performance } from 'node:perf_hooks'`. */
export function realNamedImports(declaration: ESTree.ImportDeclaration): Array<{ node: ESTree.Node; message: string }> {
  const real = REAL_NAMED_IMPORTS.get(builtinName(declaration.source.value))
  if (real === undefined) return []
  const found: Array<{ node: ESTree.Node; message: string }> = []
  for (const specifier of declaration.specifiers) {
    if (specifier.type !== 'ImportSpecifier' || specifier.importKind === 'type') continue
    const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value
    const global = real.get(imported)
    if (global === undefined) continue
    found.push({
      node: specifier,
      message: `${imported} imported from ${declaration.source.value} is the real one: the transform redirects only the global ${global}; use it instead`,
    })
  }
  return found
}
