/**
 * `tidy`: checks the source files under the given paths and the files of the simulated
 * dependencies, and returns the findings of the enabled rules, sorted by path and position.
 */
import { readFileSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { dependencyFiles, resolveDependency } from './dependencies.js'
import { sourceFiles } from './files.js'
import { lintSource, type Finding } from './lint.js'
import type { RuleId } from './rules.js'

export interface TidyOptions {
  /** Paths are resolved against it, and findings name files relative to it. */
  readonly cwd: string
  /** Files or directories of the code under test. */
  readonly paths: readonly string[]
  /** Dependencies to audit: package names (resolved from `cwd`'s node_modules) or ./paths to package directories. */
  readonly simulate: readonly string[]
  /** The rules reported. */
  readonly rules: ReadonlySet<RuleId>
}

export interface TidyResult {
  /** Sorted by path, then line and column. Paths are relative to `cwd`, with forward slashes. */
  readonly findings: readonly Finding[]
  /** How many files were checked: the source files parsed, and the native addon files found in dependencies. */
  readonly checked: number
}

/** Orders findings by path, then position (then rule and message, so that equal positions are stable too). */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1
  if (a.line !== b.line) return a.line - b.line
  if (a.column !== b.column) return a.column - b.column
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0
}

/** The number of distinct files with findings. */
export function filesWithFindings(findings: readonly Finding[]): number {
  return new Set(findings.map((finding) => finding.path)).size
}

function lintFile(absolute: string, shown: string): Finding[] {
  let code: string
  try {
    code = readFileSync(absolute, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))
    return [{ path: shown, line: 1, column: 1, rule: 'parse-error', message: `cannot be read: ${reason}` }]
  }
  return lintSource(shown, code)
}

export function tidy(options: TidyOptions): TidyResult {
  const show = (absolute: string): string => relative(options.cwd, absolute).split(sep).join('/')
  // Resolve everything first, so that a usage error comes before any work.
  const dependencies = options.simulate.map((name) => resolveDependency(name, options.cwd))
  const files = new Set(sourceFiles(options.paths, options.cwd))
  const findings: Finding[] = []
  const artifacts = new Set<string>()
  for (const dependency of dependencies) {
    const found = dependencyFiles(dependency)
    for (const path of found.sources) files.add(path)
    for (const artifact of found.native) {
      artifacts.add(artifact.path)
      findings.push({ path: show(artifact.path), line: 1, column: 1, rule: 'native-addon', message: artifact.message })
    }
  }
  for (const path of files) findings.push(...lintFile(path, show(path)))
  const reported = findings.filter((finding) => options.rules.has(finding.rule))
  // Two routes to one file (a path and a dependency, two dependencies that are the same directory) report it once.
  const unique = new Map(reported.map((f) => [`${f.path}:${f.line}:${f.column}\0${f.rule}\0${f.message}`, f]))
  return { findings: [...unique.values()].sort(compareFindings), checked: files.size + artifacts.size }
}
