/**
 * Lints one source text: parses it with oxc (`parseSync` from rolldown/utils; the language from the
 * file's extension), runs the checks, and places each detection at a 1-based line and column.
 * A file that does not parse gives one `parse-error` finding at the first error, not an exception.
 */
import { extname } from 'node:path'
import { parseSync, type ParserOptions } from 'rolldown/utils'
import { checkProgram } from './check.js'
import type { RuleId } from './rules.js'

/** A finding in one file; `path` is as the caller named the file. */
export interface Finding {
  readonly path: string
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units (as editors count). */
  readonly column: number
  readonly rule: RuleId
  readonly message: string
}

/** Extensions of the files `tidy` checks in the given paths. */
export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set(['.js', '.cjs', '.mjs', '.jsx', '.ts', '.cts', '.mts', '.tsx'])

/** Declaration files hold only types. */
export function isDeclarationFile(path: string): boolean {
  return /\.d\.[cm]?ts$/.test(path)
}

function parserOptions(path: string): ParserOptions {
  const options: ParserOptions = { preserveParens: false }
  switch (extname(path).toLowerCase()) {
    case '.ts':
    case '.mts':
    case '.cts':
      options.lang = 'ts'
      break
    case '.tsx':
      options.lang = 'tsx'
      break
    default:
      // JSX is a superset of JavaScript's expression syntax, and plain .js files often hold it.
      options.lang = 'jsx'
  }
  const extension = extname(path).toLowerCase()
  options.sourceType = extension === '.mjs' || extension === '.mts' ? 'module' : extension === '.cjs' || extension === '.cts' ? 'commonjs' : 'unambiguous'
  return options
}

/** 1-based line and column of UTF-16 offsets. */
export class LineIndex {
  private readonly starts: number[] = [0]

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1)
  }

  position(offset: number): { line: number; column: number } {
    let low = 0
    let high = this.starts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if ((this.starts[middle] as number) <= offset) low = middle
      else high = middle - 1
    }
    return { line: low + 1, column: offset - (this.starts[low] as number) + 1 }
  }
}

function parse(path: string, code: string): ReturnType<typeof parseSync> {
  const options = parserOptions(path)
  const result = parseSync(path, code, options)
  if (options.sourceType !== 'unambiguous' || !result.errors.some((e) => e.severity === 'Error')) return result
  // A CommonJS file may `return` at its top level, which only the commonjs goal allows.
  const as_commonjs = parseSync(path, code, { ...options, sourceType: 'commonjs' })
  return as_commonjs.errors.some((e) => e.severity === 'Error') ? result : as_commonjs
}

/** The findings in `code`, read from the file `path` (its extension picks the language). */
export function lintSource(path: string, source: string): Finding[] {
  // A byte-order mark is not code; dropping it keeps columns as editors show them.
  const code = source.startsWith('\uFEFF') ? source.slice(1) : source
  const lines = new LineIndex(code)
  const result = parse(path, code)
  const error = result.errors.find((e) => e.severity === 'Error')
  if (error !== undefined) {
    const offset = error.labels[0]?.start ?? 0
    return [{ path, ...lines.position(offset), rule: 'parse-error', message: `does not parse: ${error.message}` }]
  }
  const seen = new Set<string>()
  const findings: Finding[] = []
  for (const detection of checkProgram(result.program, code)) {
    const key = `${detection.offset}\0${detection.rule}\0${detection.message}`
    if (seen.has(key)) continue
    seen.add(key)
    findings.push({ path, ...lines.position(detection.offset), rule: detection.rule, message: detection.message })
  }
  return findings
}
