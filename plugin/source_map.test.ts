import MagicString from 'magic-string'
import { transformSync } from 'rolldown/utils'
import { describe, expect, it } from 'vitest'
import { chainSourceMaps, decodeMappings, encodeMappings, inlineSourceMapComment, type RawSourceMap, type Segment } from './source_map.js'

/** The original [line, column] (zero-based) a generated position maps to, as Node looks it up. */
function originalFor(map: RawSourceMap, line: number, column: number): [number, number] | null {
  const segments = decodeMappings(map.mappings)[line] ?? []
  let found: Segment | undefined
  for (const segment of segments) if (segment[0] <= column) found = segment
  return found !== undefined && found.length >= 4 ? [found[2] as number, found[3] as number] : null
}

function positionOf(text: string, needle: string): [number, number] {
  const index = text.indexOf(needle)
  if (index < 0) throw new Error(`${needle} not in text`)
  const before = text.slice(0, index).split('\n')
  return [before.length - 1, (before[before.length - 1] as string).length]
}

const TS = [
  'interface Limits { readonly max: number }',
  'export function check(limits: Limits, started: number): number {',
  '  const spent: number = Date.now() - started; if (spent > limits.max) throw new RangeError(`over by ${spent}`)',
  '  return spent',
  '}',
  '',
].join('\n')

describe('mappings', () => {
  it('decode and encode are inverse', () => {
    const stripped = transformSync('/x/check.ts', TS, { lang: 'ts', sourcemap: true })
    const mappings = (stripped.map as RawSourceMap).mappings
    expect(encodeMappings(decodeMappings(mappings))).toBe(mappings)
  })

  it('encodes large and negative deltas', () => {
    const lines: Segment[][] = [[[0, 0, 5000, 70000, 3]], [], [[12, 0, 2, 0], [40, 0, 1, 9]]]
    expect(decodeMappings(encodeMappings(lines))).toEqual(lines)
  })
})

describe('chainSourceMaps', () => {
  const stripped = transformSync('/x/check.ts', TS, { lang: 'ts', sourcemap: true })
  const inner = stripped.map as RawSourceMap

  for (const hires of [true, false]) {
    it(`maps the final text to the TypeScript source (outer map hires: ${hires})`, () => {
      const s = new MagicString(stripped.code)
      s.prepend('import * as __p from "p";')
      const date = stripped.code.indexOf('Date.now')
      s.overwrite(date, date + 'Date'.length, '__p.Date')
      const final = s.toString()
      const outer = s.generateMap({ hires, source: '/x/check.ts', includeContent: true }) as unknown as RawSourceMap
      const chained = chainSourceMaps(outer, inner)
      expect(chained.sources).toEqual(inner.sources)

      // oxc reprints the code (other indentation, one statement a line): only the chained map knows where these were.
      for (const token of ['new RangeError', 'started;', 'return spent', 'spent > limits']) {
        expect(originalFor(chained, ...positionOf(final, token)), token).toEqual(positionOf(TS, token))
      }
      // Inside the replacement: the start of the replaced name.
      expect(originalFor(chained, ...positionOf(final, '__p.Date'))).toEqual(positionOf(TS, 'Date.now'))
    })
  }

  it('keeps names from either map', () => {
    const inner_map: RawSourceMap = { version: 3, sources: ['a.ts'], names: ['alpha'], mappings: encodeMappings([[[0, 0, 0, 0, 0], [6, 0, 0, 10]]]) }
    const outer_map: RawSourceMap = { version: 3, sources: ['a.js'], names: ['beta'], mappings: encodeMappings([[[0, 0, 0, 0], [6, 0, 0, 6, 0]]]) }
    const chained = chainSourceMaps(outer_map, inner_map)
    expect(chained.names).toEqual(['alpha', 'beta'])
    expect(decodeMappings(chained.mappings)).toEqual([[[0, 0, 0, 0, 0], [6, 0, 0, 10, 1]]])
  })
})

it('inlineSourceMapComment round-trips through base64', () => {
  const map: RawSourceMap = { version: 3, sources: ['file:///x/a.ts'], names: [], mappings: 'AAAA' }
  const comment = inlineSourceMapComment(map)
  expect(comment.startsWith('//# sourceMappingURL=data:application/json;charset=utf-8;base64,')).toBe(true)
  expect(JSON.parse(Buffer.from(comment.slice(comment.indexOf(',') + 1), 'base64').toString('utf8'))).toEqual(map)
})
