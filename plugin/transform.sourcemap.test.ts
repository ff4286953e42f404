/**
 * Source maps of the transform are exact:
 * - a transformed file that throws on line 7, column 11 (after rewritten identifiers on the same
 *   line) runs under `node --enable-source-maps`, and the stack names the original position;
 * - every token start of the original maps to where that token (or its replacement) is in the
 *   output, and back (checked with @jridgewell/trace-mapping);
 * - the segments are those magic-string's `generateMap({ hires: 'boundary' })` gives for the same
 *   edits, minus the ones on whitespace.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { decode } from '@jridgewell/sourcemap-codec'
import { TraceMap, generatedPositionFor, originalPositionFor } from '@jridgewell/trace-mapping'
import MagicString from 'magic-string'
import { afterAll, describe, expect, test } from 'vitest'
import { planTransform, transformCode, type TransformOptions } from './transform.js'

const here = dirname(fileURLToPath(import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'marionette-transform-map-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A platform that re-exports the real globals: this checks positions, not simulation. */
const STUB = `
export const Date = globalThis.Date
export const performance = globalThis.performance
export const setTimeout = globalThis.setTimeout
export const clearTimeout = globalThis.clearTimeout
export const setInterval = globalThis.setInterval
export const clearInterval = globalThis.clearInterval
export const setImmediate = globalThis.setImmediate
export const clearImmediate = globalThis.clearImmediate
export const Math_random = () => Math.random()
export const process_hrtime = process.hrtime
export const process_nextTick = process.nextTick
export const crypto_randomUUID = () => crypto.randomUUID()
export const crypto_getRandomValues = (array) => crypto.getRandomValues(array)
`

// Line 7, column 11 is the call `boom()`, after two rewritten `Date`s on the same line; the throw
// inside boom is on line 3, column 28 (`new Error`), after a rewritten `performance`.
const ORIGINAL = `const started = Date.now()
function boom(timer) {
  performance.now(); throw new Error('boom ' + typeof timer)
}
const id = setTimeout(() => {}, 1)
clearTimeout(id)
Date+Date+boom(setTimeout, Math.random())
`

function run(format: 'esm' | 'cjs'): string {
  const ext = format === 'esm' ? 'mjs' : 'cjs'
  const stubPath = join(dir, 'platform.mjs')
  writeFileSync(stubPath, STUB)
  const originalPath = join(dir, `original.${ext}`)
  writeFileSync(originalPath, ORIGINAL)
  const options: TransformOptions = {
    platform: format === 'esm' ? pathToFileURL(stubPath).href : stubPath,
    moduleSpecifier: (m) => `node:${m}`,
    format,
  }
  const result = transformCode(ORIGINAL, originalPath, options)
  if (!result?.map) throw new Error('expected a transform with a map')
  const outputPath = join(dir, `output.${ext}`)
  writeFileSync(outputPath, `${result.code}//# sourceMappingURL=${result.map.toUrl()}\n`)
  try {
    execFileSync(process.execPath, ['--enable-source-maps', outputPath], { encoding: 'utf8', stdio: 'pipe' })
  } catch (error) {
    return String((error as { stderr?: string }).stderr)
  }
  throw new Error('the transformed program did not throw')
}

describe('source maps under node --enable-source-maps', () => {
  for (const format of ['esm', 'cjs'] as const) {
    test(`${format}: the stack names the original line and column`, () => {
      const ext = format === 'esm' ? 'mjs' : 'cjs'
      const stderr = run(format)
      expect(stderr).toContain('Error: boom function')
      expect(stderr).toContain(`original.${ext}:3:28`)
      expect(stderr).toContain(`original.${ext}:7:11`)
    })
  }
})

const tokenStart = /[A-Za-z0-9_$]+|[^\sA-Za-z0-9_$]/g

/** Every token start of `code`: each original token must map exactly, both ways. */
function checkTokens(code: string, id: string, options: TransformOptions): number {
  const result = transformCode(code, id, options)
  if (!result?.map) return 0
  const plan = planTransform(code, id, options)!
  const trace = new TraceMap(JSON.parse(result.map.toString()))
  const outputLines = result.code.split('\n')
  const lineStarts = [0]
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  let checked = 0
  for (const match of code.matchAll(tokenStart)) {
    const offset = match.index
    const edit = plan.edits.find((e) => offset >= e.start && offset < e.end)
    if (edit && offset !== edit.start) continue // inside a replaced span: maps to its start
    let line = 0
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++
    const column = offset - lineStarts[line]!
    const generated = generatedPositionFor(trace, { source: trace.sources[0]!, line: line + 1, column })
    expect(generated.line, `${id} ${line + 1}:${column}`).not.toBe(null)
    const text = outputLines[generated.line! - 1]!.slice(generated.column!)
    expect(text.startsWith(edit ? edit.text : match[0]), `${id} ${line + 1}:${column} → ${text.slice(0, 30)}`).toBe(true)
    const back = originalPositionFor(trace, { line: generated.line!, column: generated.column! })
    expect([back.line, back.column]).toEqual([line + 1, column])
    checked++
  }
  return checked
}

const corpusOptions: TransformOptions = {
  platform: 'marionette-sim/platform',
  moduleSpecifier: (m) => 'marionette-sim/platform/' + m.replace('/', '_'),
}

describe('mapped positions', () => {
  test('every token of every corpus case maps exactly, both ways', () => {
    const corpus = join(here, '..', 'fixtures', 'transform')
    let checked = 0
    for (const name of readdirSync(corpus, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const caseDir = join(corpus, name.name)
      const input = readdirSync(caseDir).find((f) => f.startsWith('input.'))!
      checked += checkTokens(readFileSync(join(caseDir, input), 'utf8'), join(caseDir, input), corpusOptions)
    }
    expect(checked).toBeGreaterThan(1000)
  })

  test('tokens map exactly on a line with edits before them, and with CRLF line ends', () => {
    const code = '"use strict"\r\nconst a = Date.now(), b = Math.random(); f(setTimeout, a.b, [c], `${performance.now()}`)\r\nlet x = 1\r\n'
    expect(checkTokens(code, 'a.cjs', corpusOptions)).toBeGreaterThan(30)
  })

  test('the segments are magic-string generateMap({ hires: "boundary" })\'s, minus those on whitespace', () => {
    const corpus = join(here, '..', 'fixtures', 'transform')
    const inputs = readdirSync(corpus, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => {
        const caseDir = join(corpus, e.name)
        return join(caseDir, readdirSync(caseDir).find((f) => f.startsWith('input.'))!)
      })
    inputs.push(join(here, '..', 'node_modules', 'typescript', 'lib', 'typescript.js'))
    let compared = 0
    for (const path of inputs) {
      const code = readFileSync(path, 'utf8')
      const plan = planTransform(code, path, corpusOptions)
      if (!plan) continue
      const s = new MagicString(code)
      for (const edit of plan.edits) s.overwrite(edit.start, edit.end, edit.text)
      if (plan.insertion) s.appendLeft(plan.insertion.at, plan.insertion.text)
      const expected = s.generateMap({ hires: 'boundary', source: path, includeContent: true })
      const actual = transformCode(code, path, corpusOptions)!
      expect(actual.code).toBe(s.toString())
      expect({ ...actual.map, mappings: '' }).toEqual({ ...expected, mappings: '' })
      const outputLines = actual.code.split('\n')
      const mine = decode(actual.map!.mappings)
      const theirs = decode(expected.mappings)
      expect(mine.length).toBe(theirs.length)
      for (let line = 0; line < theirs.length; line++) {
        const kept = theirs[line]!.filter((segment) => !/[ \t\r\v\f\u00a0\ufeff]/.test(outputLines[line]![segment[0]] ?? ''))
        if (JSON.stringify(mine[line]) !== JSON.stringify(kept)) {
          expect(mine[line], `${path} generated line ${line + 1}`).toEqual(kept)
        }
      }
      compared++
    }
    expect(compared).toBeGreaterThan(40)
  })
})
