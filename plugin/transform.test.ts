/**
 * The transform corpus (fixtures/transform/<case>/input.<ext> → output.<ext>), plus the API's
 * smaller promises. `UPDATE_FIXTURES=1 npx vitest run plugin/transform.test.ts` rewrites the
 * expected outputs; review every changed file by eye before accepting it.
 *
 * A case whose output equals its input expects `transformCode` to return null. A case may carry an
 * `options.json` with extra TransformOptions (e.g. `{ "format": "cjs" }`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSync } from 'rolldown/utils'
import { describe, expect, test } from 'vitest'
import { transformCode, type TransformOptions } from './transform.js'

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'transform')
const update = process.env.UPDATE_FIXTURES === '1'

const baseOptions: TransformOptions = {
  platform: 'marionette-sim/platform',
  moduleSpecifier: (m) => 'marionette-sim/platform/' + m.replace('/', '_'),
}

interface Case {
  name: string
  input: string
  inputPath: string
  outputPath: string
  options: TransformOptions
}

function loadCases(): Case[] {
  return readdirSync(corpus, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(corpus, name)
      const inputFile = readdirSync(dir).find((f) => f.startsWith('input.'))
      if (!inputFile) throw new Error(`fixture ${name} has no input file`)
      const ext = inputFile.slice('input.'.length)
      const optionsPath = join(dir, 'options.json')
      const extra = existsSync(optionsPath) ? (JSON.parse(readFileSync(optionsPath, 'utf8')) as Partial<TransformOptions>) : {}
      return {
        name,
        input: readFileSync(join(dir, inputFile), 'utf8'),
        inputPath: join(dir, inputFile),
        outputPath: join(dir, `output.${ext}`),
        options: { ...baseOptions, ...extra },
      }
    })
}

const cases = loadCases()

function parseErrors(id: string, code: string): string[] {
  return parseSync(id, code).errors.filter((e) => e.severity === 'Error').map((e) => e.message)
}

describe('transform corpus', () => {
  test('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  for (const c of cases) {
    test(c.name, () => {
      const result = transformCode(c.input, c.inputPath, c.options)
      const actual = result ? result.code : c.input
      if (update) {
        writeFileSync(c.outputPath, actual)
      } else {
        expect(existsSync(c.outputPath), `${c.outputPath} missing: run with UPDATE_FIXTURES=1`).toBe(true)
        expect(actual).toBe(readFileSync(c.outputPath, 'utf8'))
      }
      if (result) {
        expect(result.code).not.toBe(c.input)
        // Line numbers are stable: the injected statement adds no line.
        expect(result.code.split('\n').length).toBe(c.input.split('\n').length)
        expect(parseErrors(c.inputPath, result.code)).toEqual([])
        // Idempotent: the output needs no further change.
        const again = transformCode(result.code, c.inputPath, c.options)
        expect(again === null || again.code === result.code).toBe(true)
      }
    })
  }
})

describe('transformCode', () => {
  const opts = { ...baseOptions, sourcemap: false }

  test('returns null without parsing when no candidate word occurs', () => {
    // Not even valid JavaScript: the prefilter answers before the parser runs.
    expect(transformCode('this is ((( not code', 'x.js', opts)).toBe(null)
  })

  test('parse errors name the file, line and column', () => {
    const code = 'const a = 1\nconst b = setTimeout(\n  f,, )\n'
    let error: unknown
    try {
      transformCode(code, '/src/broken.ts', opts)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^\/src\/broken\.ts:3:\d+: /)
    expect((error as { loc?: unknown }).loc).toMatchObject({ file: '/src/broken.ts', line: 3 })
  })

  test('sourcemap: false gives no map; default gives a map naming the id', () => {
    expect(transformCode('setTimeout(f)', 'a.mjs', opts)?.map).toBe(null)
    const result = transformCode('setTimeout(f)', '/abs/a.mjs', baseOptions)
    expect(result?.map?.sources).toEqual(['/abs/a.mjs'])
    expect(result?.map?.sourcesContent).toEqual(['setTimeout(f)'])
  })

  test('explicit format wins over inference', () => {
    expect(transformCode('import x from "y"; setTimeout(x)', 'a.js', { ...opts, format: 'esm' })?.code).toBe(
      'import * as __marionette_platform from "marionette-sim/platform";import x from "y"; __marionette_platform.setTimeout(x)',
    )
    expect(transformCode('module.exports = Date.now()', 'a.js', { ...opts, format: 'esm' })?.code).toBe(
      'import * as __marionette_platform from "marionette-sim/platform";module.exports = __marionette_platform.Date.now()',
    )
    expect(transformCode('setTimeout(f)', 'a.mjs', { ...opts, format: 'cjs' })?.code).toBe(
      'var __marionette_platform = require("marionette-sim/platform");__marionette_platform.setTimeout(f)',
    )
  })

  test('only module specifiers changed: no platform import', () => {
    expect(transformCode('import fs from "node:fs"', 'a.mjs', opts)?.code).toBe('import fs from "marionette-sim/platform/fs"')
  })

  test('the platform specifier is quoted as a JSON string', () => {
    const result = transformCode('setTimeout(f)', 'a.mjs', { ...opts, platform: 'C:\\dir\\"odd"\\index.js' })
    expect(result?.code).toBe('import * as __marionette_platform from "C:\\\\dir\\\\\\"odd\\"\\\\index.js";__marionette_platform.setTimeout(f)')
  })

  test('.d.ts files are left alone', () => {
    expect(transformCode('declare const x: Date; export declare function setTimeout(): void', 'a.d.ts', opts)).toBe(null)
  })

  test('Vite ids with a query use the path for the language and the lang query when present', () => {
    expect(transformCode('let d: Date = new Date()', '/src/a.ts?v=123', opts)?.code).toBe(
      'import * as __marionette_platform from "marionette-sim/platform";let d: Date = new __marionette_platform.Date()',
    )
    expect(transformCode('let d: Date = new Date()', '/src/A.vue?vue&type=script&lang.ts', opts)?.code).toBe(
      'import * as __marionette_platform from "marionette-sim/platform";let d: Date = new __marionette_platform.Date()',
    )
  })

  test('.js files holding JSX or a top-level return still parse', () => {
    expect(transformCode('export const x = <Date />', 'a.js', opts)?.code).toBe(
      'import * as __marionette_platform from "marionette-sim/platform";export const x = <__marionette_platform.Date />',
    )
    expect(transformCode('if (x) return\nsetTimeout(f)', 'a.js', opts)?.code).toBe(
      'var __marionette_platform = require("marionette-sim/platform");if (x) return\n__marionette_platform.setTimeout(f)',
    )
  })

  test('CRLF hashbang', () => {
    expect(transformCode('#!/usr/bin/env node\r\nsetTimeout(f)\r\n', 'a.mjs', opts)?.code).toBe(
      '#!/usr/bin/env node\r\nimport * as __marionette_platform from "marionette-sim/platform";__marionette_platform.setTimeout(f)\r\n',
    )
  })
})
