/**
 * Parsing for the transform: the language of a module id, oxc's parser (through rolldown) with the
 * retries real files need, positions for error messages, and recognising already transformed code.
 */
import { parseSync } from 'rolldown/utils'
import { PLATFORM_BINDING } from './redirected.js'
import type { AstNode } from './transform_scope.js'

export type Lang = 'js' | 'jsx' | 'ts' | 'tsx'

/** The file path of a module id without Vite's `?query` / `#hash`, and its language. */
export function languageOf(id: string): { path: string; lang: Lang | 'dts' } {
  const queryAt = id.search(/[?#]/)
  const path = queryAt === -1 ? id : id.slice(0, queryAt)
  if (queryAt !== -1) {
    const lang = /[?&]lang\.(jsx?|tsx?)\b/.exec(id.slice(queryAt))?.[1]
    if (lang) return { path, lang: lang as Lang }
  }
  if (/\.d\.[cm]?ts$/.test(path)) return { path, lang: 'dts' }
  const ext = /\.([cm]?[jt]sx?)$/.exec(path)?.[1] ?? 'js'
  if (ext.endsWith('tsx')) return { path, lang: 'tsx' }
  if (ext.endsWith('ts')) return { path, lang: 'ts' }
  if (ext.endsWith('jsx')) return { path, lang: 'jsx' }
  return { path, lang: 'js' }
}

export type SourceType = 'script' | 'module' | 'commonjs' | 'unambiguous'

export interface Parsed {
  program: AstNode
  hasModuleSyntax: boolean
  /** The parse needed `sourceType: 'commonjs'` (a top-level `return`). */
  commonjs: boolean
}

export function lineColumn(code: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = code.indexOf('\n'); i !== -1 && i < offset; i = code.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

type ParseResult = ReturnType<typeof parseSync>

export function parseOnce(
  path: string,
  code: string,
  lang: Lang,
  sourceType?: SourceType,
  showSemanticErrors = false,
): { result: ParseResult; errors: ParseResult['errors'] } {
  const result = parseSync(path, code, sourceType ? { lang, sourceType, showSemanticErrors } : { lang })
  const errors = result.errors.filter((e) => e.severity === 'Error')
  return { result, errors }
}

/**
 * Parse with oxc. A `.js` file may also be CommonJS with a top-level `return`, or contain JSX;
 * those are tried before giving up. Throws an Error naming `id:line:column`.
 */
export function parse(id: string, path: string, code: string, lang: Lang): Parsed {
  const first = parseOnce(path, code, lang)
  if (first.errors.length === 0) {
    return { program: first.result.program as unknown as AstNode, hasModuleSyntax: first.result.module.hasModuleSyntax, commonjs: false }
  }
  if (lang === 'js' || lang === 'ts') {
    const cjs = parseOnce(path, code, lang, 'commonjs')
    if (cjs.errors.length === 0) {
      return { program: cjs.result.program as unknown as AstNode, hasModuleSyntax: false, commonjs: true }
    }
  }
  if (lang === 'js') {
    const jsx = parseOnce(path, code, 'jsx')
    if (jsx.errors.length === 0) {
      return { program: jsx.result.program as unknown as AstNode, hasModuleSyntax: jsx.result.module.hasModuleSyntax, commonjs: false }
    }
  }
  const error = first.errors[0]!
  const offset = error.labels[0]?.start ?? 0
  const { line, column } = lineColumn(code, offset)
  const failure = new Error(`${id}:${line}:${column}: ${error.message}`) as Error & {
    id?: string
    loc?: { file: string; line: number; column: number }
    frame?: string
  }
  failure.id = id
  failure.loc = { file: id, line, column: column - 1 }
  if (error.codeframe) failure.frame = error.codeframe
  throw failure
}

/** A top-level `import * as __marionette_platform` or `var __marionette_platform = ...`. */
export function alreadyTransformed(program: AstNode): boolean {
  for (const statement of program.body as AstNode[]) {
    if (statement.type === 'ImportDeclaration') {
      for (const specifier of statement.specifiers as AstNode[]) {
        if (specifier.local?.name === PLATFORM_BINDING) return true
      }
    } else if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations as AstNode[]) {
        if (declarator.id?.type === 'Identifier' && declarator.id.name === PLATFORM_BINDING) return true
      }
    }
  }
  return false
}
