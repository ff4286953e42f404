/** The files tidy checks, the dependency audit, and how findings are reported. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultRules, RULE_IDS, RULES, type RuleId } from './rules.js'
import { formatJson, formatText, summaryLine } from './report.js'
import { tidy, type TidyResult } from './tidy.js'
import { TidyUsageError } from './usage_error.js'

let root: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tidy-'))
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

function run(paths: string[], simulate: string[] = [], rules: ReadonlySet<RuleId> = defaultRules()): TidyResult {
  return tidy({ cwd: root, paths, simulate, rules })
}

function lines(result: TidyResult): string[] {
  return result.findings.map((f) => `${f.path}:${f.line}:${f.column} ${f.rule}`)
}

describe('the files checked', () => {
  it('walks directories in sorted order, and sorts findings by path then position', () => {
    write({
      'src/b.ts': `new WeakRef(o)\neval('x')`,
      'src/a/z.js': `eval('x')`,
      'src/a.mjs': `const x = 1; eval(x)`,
      'src/readme.md': `eval('not code')`,
    })
    const result = run(['src'])
    expect(lines(result)).toEqual(['src/a.mjs:1:14 eval', 'src/a/z.js:1:1 eval', 'src/b.ts:1:5 weakref', 'src/b.ts:2:1 eval'])
    expect(result.checked).toBe(3)
  })

  it('skips node_modules, dist, hidden directories and declaration files in the paths given', () => {
    write({
      'src/ok.ts': `export const x = 1`,
      'src/node_modules/dep/index.js': `eval('x')`,
      'src/dist/out.js': `eval('x')`,
      'src/.cache/x.js': `eval('x')`,
      'src/types.d.ts': `declare const x: WeakRef<object>`,
    })
    expect(run(['src'])).toEqual({ findings: [], checked: 1 })
  })

  it('checks a file named explicitly, even under dist, and each file once', () => {
    write({ 'dist/out.js': `eval('x')` })
    const result = run(['dist/out.js', 'dist', './dist/out.js'])
    expect(lines(result)).toEqual(['dist/out.js:1:1 eval'])
    expect(result.checked).toBe(1)
  })

  it('follows symbolic links without looping', () => {
    write({ 'src/a.ts': `eval('x')` })
    symlinkSync(join(root, 'src'), join(root, 'src', 'loop'))
    expect(lines(run(['src']))).toEqual(['src/a.ts:1:1 eval'])
  })

  it('reports a file that does not parse, and goes on with the others', () => {
    write({ 'src/a.ts': `const = 1`, 'src/b.ts': `eval('x')` })
    expect(lines(run(['src']))).toEqual(['src/a.ts:1:7 parse-error', 'src/b.ts:1:1 eval'])
  })

  it('names paths relative to the working directory, also outside it', () => {
    write({ 'project/src/a.ts': `eval('x')`, 'shared/b.ts': `eval('y')` })
    const result = tidy({ cwd: join(root, 'project'), paths: ['src', '../shared'], simulate: [], rules: defaultRules() })
    expect(result.findings.map((f) => f.path)).toEqual(['../shared/b.ts', 'src/a.ts'])
  })

  it('reports only the enabled rules', () => {
    write({ 'src/a.ts': `eval('x'); new WeakRef(o); process.env.HOME` })
    expect(lines(run(['src'], [], new Set<RuleId>(['weakref', 'real-io'])))).toEqual(['src/a.ts:1:16 weakref', 'src/a.ts:1:28 real-io'])
    expect(lines(run(['src'], [], new Set<RuleId>()))).toEqual([])
  })

  it('rejects a missing path and a file that is not code', () => {
    write({ 'notes.txt': 'x' })
    expect(() => run(['nowhere'])).toThrow(TidyUsageError)
    expect(() => run(['nowhere'])).toThrow(/no such file or directory: nowhere/)
    expect(() => run(['notes.txt'])).toThrow(/notes.txt is not a JavaScript or TypeScript file/)
  })
})

describe('the dependency audit', () => {
  beforeEach(() => {
    write({
      'src/a.ts': `export const x = 1`,
      'node_modules/dep/package.json': `{"name":"dep"}`,
      'node_modules/dep/index.js': `module.exports = require('bindings')('dep')`,
      'node_modules/dep/lib/util.cjs': `exports.run = (s) => eval(s)`,
      'node_modules/dep/lib/types.ts': `eval('TypeScript is not run from node_modules')`,
      'node_modules/dep/binding.gyp': `{}`,
      'node_modules/dep/build/Release/dep.node': `binary`,
      'node_modules/dep/test/index.js': `eval('tests are not audited')`,
      'node_modules/dep/__tests__/x.mjs': `eval('tests are not audited')`,
      'node_modules/dep/node_modules/inner/index.js': `eval('audit it with its own --simulate')`,
      'node_modules/@scope/pure/package.json': `{"name":"@scope/pure"}`,
      'node_modules/@scope/pure/index.mjs': `export const now = () => Date.now()`,
    })
  })

  it('checks the JavaScript of a simulated dependency, and reports its native addon files', () => {
    const result = run(['src'], ['dep', '@scope/pure'])
    expect(lines(result)).toEqual([
      'node_modules/dep/binding.gyp:1:1 native-addon',
      'node_modules/dep/build/Release/dep.node:1:1 native-addon',
      'node_modules/dep/index.js:1:26 native-addon',
      'node_modules/dep/lib/util.cjs:1:22 eval',
    ])
    expect(result.findings[0]?.message).toBe('package dep builds a native addon (binding.gyp)')
    expect(result.findings[1]?.message).toBe('package dep ships the compiled addon dep.node')
    // src/a.ts, index.js, lib/util.cjs, @scope/pure/index.mjs, and the two addon files.
    expect(result.checked).toBe(6)
  })

  it('resolves a dependency from a parent directory, as Node does, and from a ./path', () => {
    write({ 'packages/app/src/a.ts': `export {}` })
    const nested = tidy({ cwd: join(root, 'packages', 'app'), paths: ['src'], simulate: ['dep'], rules: defaultRules() })
    expect(nested.findings.map((f) => f.path)).toContain('../../node_modules/dep/lib/util.cjs')
    expect(lines(run([], ['./node_modules/@scope/pure']))).toEqual([])
  })

  it('rejects a dependency that is not installed', () => {
    expect(() => run(['src'], ['missing'])).toThrow(/cannot find package "missing": no node_modules\/missing\/package.json/)
    expect(() => run(['src'], ['./nowhere'])).toThrow(/--simulate .\/nowhere: no package.json/)
    expect(() => run(['src'], ['bad name!'])).toThrow(/is not a package name/)
  })

  it('reports a file once when a path and a dependency both reach it', () => {
    const result = run(['node_modules/dep/lib'], ['dep'])
    expect(lines(result).filter((line) => line.includes('util.cjs'))).toEqual(['node_modules/dep/lib/util.cjs:1:22 eval'])
  })
})

describe('the report', () => {
  it('prints one line per finding and a summary', () => {
    write({ 'src/a.ts': `eval('x')\nnew WeakRef(o)`, 'src/b.ts': `export {}` })
    const result = run(['src'])
    expect(formatText(result)).toBe(
      [
        "src/a.ts:1:1  eval  eval() runs code the transform never sees",
        'src/a.ts:2:5  weakref  WeakRef: when its target is collected depends on the garbage collector, not on the seed',
        '2 findings in 1 file (2 files checked)',
        '',
      ].join('\n'),
    )
  })

  it('counts in the singular and the plural', () => {
    expect(summaryLine({ findings: [], checked: 0 })).toBe('0 findings in 0 files (0 files checked)')
    expect(summaryLine({ findings: [{ path: 'a', line: 1, column: 1, rule: 'eval', message: 'm' }], checked: 1 })).toBe('1 finding in 1 file (1 file checked)')
  })

  it('prints JSON with each rule\'s reason and fix', () => {
    write({ 'src/a.ts': `eval('x')` })
    const document = JSON.parse(formatJson(run(['src']))) as { findings: Array<Record<string, unknown>>; summary: Record<string, number> }
    expect(document.summary).toEqual({ findings: 1, files: 1, checked: 1 })
    expect(document.findings[0]).toMatchObject({ path: 'src/a.ts', line: 1, column: 1, rule: 'eval', message: 'eval() runs code the transform never sees' })
    expect(document.findings[0]?.reason).toMatch(/never sees/)
    expect(document.findings[0]?.fix).toMatch(/ordinary functions/)
  })

  it('every rule has a reason and a fix, each on one line', () => {
    expect(RULES.map((rule) => rule.id)).toEqual([...RULE_IDS])
    for (const rule of RULES) {
      expect(rule.reason).toMatch(/^[^\n]{20,}$/)
      expect(rule.fix).toMatch(/^[^\n]{20,}$/)
    }
  })
})
