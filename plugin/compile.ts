import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { transformSync } from 'rolldown/utils'
import { transformCode, type RedirectedModule } from './transform.js'
import { chainSourceMaps, inlineSourceMapComment, type RawSourceMap } from './source_map.js'

/**
 * What the Node hooks do to one file: strip TypeScript (oxc, through
 * `rolldown/utils`), apply the transform when the file runs under simulation,
 * and attach one inline source map that points at the original file, so that
 * `--enable-source-maps` reports original lines and columns.
 */

const TYPESCRIPT = /\.[cm]?ts$/

export function isTypeScript(file: string): boolean {
  return TYPESCRIPT.test(file)
}

/** Where the simulated platform is, as absolute paths (`options.ts` has the ones beside this file). */
export interface PlatformLocation {
  /** `src/platform/index.ts` or `dist/src/platform/index.js`. */
  readonly index: string
  /** The wrapper file for a redirected builtin module. */
  module(name: RedirectedModule): string
}

export interface CompileOptions {
  /** Absolute path of the file. */
  readonly filename: string
  /** How the file is loaded: as an ES module, as CommonJS, or undefined to infer it from the code. */
  readonly format: 'esm' | 'cjs' | undefined
  /** Apply the transform (the file runs under simulation); otherwise only strip TypeScript. */
  readonly simulate: boolean
  readonly platform: PlatformLocation
}

export class TypeScriptSyntaxError extends SyntaxError {
  override name = 'SyntaxError'
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

function stripTypes(source: string, filename: string, format: 'esm' | 'cjs' | undefined): { code: string; map: RawSourceMap | null } {
  const result = transformSync(filename, source, {
    lang: 'ts',
    sourceType: format === 'esm' ? 'module' : format === 'cjs' ? 'commonjs' : 'unambiguous',
    sourcemap: true,
  })
  const error = result.errors[0]
  if (error !== undefined) {
    const loc = (error as Error & { loc?: { line: number; column: number } }).loc
    const where = loc !== undefined ? `${filename}:${loc.line}:${loc.column + 1}` : filename
    const first_line = (error.message.replace(ANSI, '').split('\n')[0] ?? '').replace(/^\[[A-Z_]+\]\s*/, '')
    throw new TypeScriptSyntaxError(`${where}: ${first_line}`)
  }
  return { code: result.code, map: (result.map as RawSourceMap | undefined) ?? null }
}

const SOURCE_MAPPING_URL = /(?:^|\n)[ \t]*\/\/[#@][ \t]*sourceMappingURL=([^\s'"]+)[ \t]*(?:\r?\n)?$/

/**
 * The source map a compiled file already names in its last line (tsc's
 * `//# sourceMappingURL=index.js.map`, or an inline one), with its sources made
 * absolute URLs; null when there is none or it cannot be read.
 */
function existingSourceMap(code: string, filename: string): RawSourceMap | null {
  const match = SOURCE_MAPPING_URL.exec(code.slice(-4096))
  const url = match?.[1]
  if (url === undefined) return null
  try {
    let text: string
    let map_url: URL
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',')
      const payload = url.slice(comma + 1)
      text = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload)
      map_url = pathToFileURL(filename)
    } else {
      map_url = new URL(url, pathToFileURL(filename))
      const map_file = fileURLToPath(map_url)
      if (!existsSync(map_file)) return null
      text = readFileSync(map_file, 'utf8')
    }
    const map = JSON.parse(text) as RawSourceMap & { sourceRoot?: string }
    if (map.version !== 3 || typeof map.mappings !== 'string' || !Array.isArray(map.sources)) return null
    const root = map.sourceRoot ? new URL(map.sourceRoot.endsWith('/') ? map.sourceRoot : map.sourceRoot + '/', map_url) : map_url
    return { ...map, sources: map.sources.map((source) => new URL(source, root).href), names: map.names ?? [] }
  } catch {
    return null
  }
}

function withoutSourceMappingURL(code: string): string {
  const tail = code.slice(-4096)
  const match = SOURCE_MAPPING_URL.exec(tail)
  if (match === null) return code
  return code.slice(0, code.length - tail.length + match.index) + (match[0].startsWith('\n') ? '\n' : '')
}

/**
 * The code to run for a file: null when it is neither TypeScript nor changed by
 * the transform (run the original as it is).
 */
export function compile(source: string, options: CompileOptions): string | null {
  const { filename, format, platform } = options
  let code = source
  // The map from the original file to `code`; null while `code` is the original.
  let map: RawSourceMap | null = null
  if (isTypeScript(filename)) {
    const stripped = stripTypes(source, filename, format)
    code = stripped.code
    map = stripped.map
  }
  let changed = map !== null || code !== source
  if (options.simulate) {
    // ES modules import the platform by file URL; require() takes a path. An absolute path is a
    // valid import specifier on POSIX only, so an inferred format gets a path there too.
    const specifier = (path: string): string => (format === 'esm' ? pathToFileURL(path).href : path)
    const transformed = transformCode(code, filename, {
      platform: specifier(platform.index),
      moduleSpecifier: (name) => specifier(platform.module(name)),
      ...(format === undefined ? {} : { format }),
      sourcemap: true,
    })
    if (transformed !== null) {
      const inner = map ?? existingSourceMap(code, filename)
      const outer = transformed.map as RawSourceMap | null
      code = transformed.code
      map = outer === null ? null : inner === null ? outer : chainSourceMaps(outer, inner)
      changed = true
    }
  }
  if (!changed) return null
  code = withoutSourceMappingURL(code)
  if (map === null) return code
  const url = pathToFileURL(filename).href
  // A map made here has the one source, this file (named however oxc or magic-string named it); a
  // map the file came with (tsc's) already has absolute source URLs.
  const sources = map.sources.length === 1 && !/^[a-z]+:/.test(map.sources[0] ?? '') ? [url] : map.sources
  return `${code}${code.endsWith('\n') ? '' : '\n'}${inlineSourceMapComment({ ...map, sources, file: url })}\n`
}
