/**
 * The marionette-sim bundler plugin: redirects the nondeterministic globals
 * (`Date`, timers, `Math.random`, `performance`, `process.hrtime`, global
 * `crypto` randomness) and the `fs`/`net`/`timers`/`crypto`/... imports of the
 * files under test to the simulated platform (`src/platform/`), which is the
 * real API outside a simulation.
 *
 * One factory for every bundler through unplugin: `marionette-sim/vite` (and
 * `marionette-sim/vitest`, the same plugin), `/rollup`, `/esbuild`,
 * `/webpack`. The Vite flavour also configures Vitest (`vitest_config.ts`).
 */
import { createUnplugin, type UnpluginBuildContext, type UnpluginContext, type UnpluginInstance, type UnpluginOptions } from 'unplugin'
import { cleanId, FileFilter, PLATFORM, PLUGIN_NAME, requirablePlatform, resolveOptions, type MarionetteOptions } from './options.js'
import { transformCode } from './transform.js'
import { vitestHooks } from './vitest_config.js'

export type { MarionetteOptions } from './options.js'

/** Line (1-based) and column (0-based) of an offset in a text. */
function lineColumn(code: string, offset: number): { line: number; column: number } {
  let line = 1
  let line_start = 0
  const end = Math.max(0, Math.min(offset, code.length))
  for (let i = 0; i < end; i++) {
    if (code.charCodeAt(i) === 10) {
      line++
      line_start = i + 1
    }
  }
  return { line, column: end - line_start }
}

/** The offset of a parse error, from the shapes parsers use (`pos`, `start`, `labels[0].start`, `loc`). */
function errorOffset(error: unknown, code: string): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as Record<string, unknown>
  for (const key of ['pos', 'position', 'start', 'offset']) {
    if (typeof e[key] === 'number') return e[key] as number
  }
  const labels = e.labels
  if (Array.isArray(labels) && typeof (labels[0] as { start?: unknown } | undefined)?.start === 'number') {
    return (labels[0] as { start: number }).start
  }
  const loc = e.loc as { line?: unknown; column?: unknown } | undefined
  if (typeof loc?.line === 'number' && typeof loc.column === 'number') {
    const lines = code.split('\n')
    let offset = 0
    for (let i = 0; i < loc.line - 1 && i < lines.length; i++) offset += (lines[i] as string).length + 1
    return offset + loc.column
  }
  return undefined
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Reports a failed transform through the bundler, naming the file and the
 * position. Vite maps `pos` through the earlier plugins' source maps (its
 * TypeScript step) to the original file and prints a code frame.
 */
function reportError(context: UnpluginBuildContext & UnpluginContext, error: unknown, code: string, file: string): never {
  const offset = errorOffset(error, code)
  const text = errorMessage(error)
  // The transform's own messages already start with `file:line:column: `.
  let where = file
  if (offset !== undefined) {
    const { line, column } = lineColumn(code, offset)
    where = `${file}:${line}:${column + 1}`
  }
  const message = `[${PLUGIN_NAME}] cannot transform ${text.startsWith(`${file}:`) ? text : `${where}: ${text}`}`
  const log: { message: string; id: string; pos?: number; stack?: string } = { message, id: file }
  if (offset !== undefined) log.pos = offset
  if (error instanceof Error && error.stack !== undefined) log.stack = error.stack.replace(error.message, message)
  context.error(log as Parameters<UnpluginContext['error']>[0])
  // `error` throws in every bundler; this line only satisfies the type checker.
  throw new Error(message)
}

/**
 * The transform one file gets, or null to leave it alone. Files of `simulate`
 * packages may be CommonJS, whose `require()` of the platform Node performs:
 * when this plugin runs from the TypeScript sources they get the built
 * platform (see `requirablePlatform`).
 */
export function transformFile(code: string, id: string): ReturnType<typeof transformCode> {
  const file = cleanId(id)
  const dependency = file.includes('/node_modules/')
  const platform = (dependency ? requirablePlatform() : null) ?? PLATFORM
  // The bundler serves project files as ES modules; only a dependency may be CommonJS (inferred).
  return transformCode(code, file, { platform: platform.index, moduleSpecifier: platform.module, ...(dependency ? {} : { format: 'esm' as const }) })
}

export const marionette: UnpluginInstance<MarionetteOptions | undefined, false> = createUnplugin<MarionetteOptions | undefined, false>((raw_options) => {
  const options = resolveOptions(raw_options)
  const filter = new FileFilter(options)
  const plugin: UnpluginOptions = {
    name: PLUGIN_NAME,
    transformInclude: (id) => filter.matches(id),
    transform(code, id) {
      const file = cleanId(id)
      let result
      try {
        result = transformFile(code, file)
      } catch (error) {
        reportError(this, error, code, file)
      }
      if (result === null) return null
      return { code: result.code, map: result.map as unknown as { mappings: string; names: string[]; sources: string[]; version: number } }
    },
    vite: vitestHooks(options, filter),
    webpack(compiler) {
      filter.setRoot(compiler.context)
    },
  }
  return plugin
})

export default marionette
