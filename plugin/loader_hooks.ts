/**
 * Node's ES module hooks for `marionette-sim/register` (registered with
 * `module.register`, so on Node 20 they run on Node's hooks thread):
 *
 * - `resolve`: a relative `./x.js` import that finds no file resolves to
 *   `./x.ts` when that exists (`.mjs` → `.mts`, `.cjs` → `.cts`), as tsc's
 *   NodeNext output expects; `.ts` specifiers resolve as they are.
 * - `load`: TypeScript files (`.ts`, `.mts`, `.cts`) have their types stripped,
 *   and files selected by the configuration are transformed to run on the
 *   simulated platform; both with an inline source map to the original file.
 *   CommonJS files are left to Node's CommonJS loader, where the `require`
 *   hook (`require_hook.ts`, installed in the main thread by `register.ts`)
 *   does the same for them.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { InitializeHook, LoadHook, ResolveHook } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseSync } from 'rolldown/utils'
import { compile, isTypeScript, type PlatformLocation } from './compile.js'
import { PLATFORM_PATH, platformModulePath } from './options.js'
import { createFilter, nearestPackageJson, resolveConfig, type RegisterConfig } from './register_config.js'

/** What `register.ts` passes to `module.register` as `data`. */
export interface HooksData {
  readonly config: RegisterConfig
}

const PLATFORM: PlatformLocation = { index: PLATFORM_PATH, module: platformModulePath }

let simulated: (file: string) => boolean = () => false
let initialized = false

export const initialize: InitializeHook<HooksData | undefined> = (data) => {
  simulated = createFilter(data?.config ?? resolveConfig())
  initialized = true
}

function ensureInitialized(): void {
  // Registered with --loader (no initialize data): read the configuration here.
  if (!initialized) initialize(undefined)
}

const RELATIVE = /^(?:\.\.?\/|\/|file:)/
const JS_EXTENSION = /\.([cm]?)js$/

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  try {
    return await nextResolve(specifier, context)
  } catch (error) {
    const parent = context.parentURL
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || parent === undefined || !parent.startsWith('file:')) throw error
    if (!RELATIVE.test(specifier) || !JS_EXTENSION.test(specifier)) throw error
    try {
      return await nextResolve(specifier.replace(JS_EXTENSION, '.$1ts'), context)
    } catch {
      throw error
    }
  }
}

const package_types = new Map<string, 'module' | 'commonjs'>()

/** The `type` of the package a file is in (`commonjs` when unset), as Node reads it for `.js` files. */
function packageType(file: string): 'module' | 'commonjs' {
  const package_json = nearestPackageJson(file)
  if (package_json === null) return 'commonjs'
  let type = package_types.get(package_json)
  if (type === undefined) {
    type = 'commonjs'
    try {
      type = (JSON.parse(readFileSync(package_json, 'utf8')) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs'
    } catch {
      // An unreadable package.json: Node itself fails on it with a better message.
    }
    package_types.set(package_json, type)
  }
  return type
}

/**
 * How Node is to load a TypeScript file: `.mts` as an ES module, `.cts` as
 * CommonJS, `.ts` by the package's `type`; in a package without `"type":
 * "module"`, a `.ts` file with import/export syntax is an ES module (as Node
 * detects for `.js` files).
 */
function typeScriptFormat(file: string, source: string): 'module' | 'commonjs' {
  if (file.endsWith('.mts')) return 'module'
  if (file.endsWith('.cts')) return 'commonjs'
  if (packageType(file) === 'module') return 'module'
  return parseSync(file, source, { lang: 'ts' }).module.hasModuleSyntax ? 'module' : 'commonjs'
}

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith('file:')) return nextLoad(url, context)
  ensureInitialized()
  const file = fileURLToPath(url)
  const typescript = isTypeScript(file)
  const simulate = simulated(file)
  if (!typescript && !simulate) return nextLoad(url, context)

  if (typescript) {
    const source = await readFile(file, 'utf8')
    const format = typeScriptFormat(file, source)
    // No source: Node's CommonJS loader reads the file and the require hook compiles it.
    if (format === 'commonjs') return { format, shortCircuit: true }
    return { format, source: compile(source, { filename: file, format: 'esm', simulate, platform: PLATFORM }) ?? source, shortCircuit: true }
  }

  const loaded = await nextLoad(url, context)
  // CommonJS comes back without a source: the require hook transforms it in the main thread.
  if (loaded.format !== 'module' || loaded.source === undefined || loaded.source === null) return loaded
  const source = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString('utf8')
  const code = compile(source, { filename: file, format: 'esm', simulate, platform: PLATFORM })
  return code === null ? loaded : { ...loaded, source: code }
}
