/**
 * Just enough source-map handling for the Node hooks: decode and encode the
 * `mappings` field, chain two maps (TypeScript → stripped JavaScript →
 * transformed JavaScript) into one, and render it as an inline comment so
 * `--enable-source-maps` reports positions in the original file.
 */

/** A version 3 source map, as oxc and magic-string produce it. */
export interface RawSourceMap {
  version: number
  file?: string | undefined
  sources: string[]
  sourcesContent?: (string | null)[] | undefined
  names: string[]
  mappings: string
}

/** [generated column, source index, original line, original column, name index?]; all zero-based. */
export type Segment = [number, number, number, number] | [number, number, number, number, number] | [number]

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i

/** Decodes `mappings` into absolute segments, one array per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = []
  let line: Segment[] = []
  let column = 0
  const state = [0, 0, 0, 0] // source, original line, original column, name: relative across lines
  let fields: number[] = []
  let value = 0
  let shift = 0
  const flushSegment = (): void => {
    if (fields.length === 0) return
    column += fields[0] as number
    if (fields.length >= 4) {
      state[0] = (state[0] as number) + (fields[1] as number)
      state[1] = (state[1] as number) + (fields[2] as number)
      state[2] = (state[2] as number) + (fields[3] as number)
      if (fields.length >= 5) {
        state[3] = (state[3] as number) + (fields[4] as number)
        line.push([column, state[0] as number, state[1] as number, state[2] as number, state[3] as number])
      } else {
        line.push([column, state[0] as number, state[1] as number, state[2] as number])
      }
    } else {
      line.push([column])
    }
    fields = []
  }
  for (let i = 0; i < mappings.length; i++) {
    const char = mappings.charCodeAt(i)
    if (char === 0x3b /* ; */) {
      flushSegment()
      lines.push(line)
      line = []
      column = 0
      continue
    }
    if (char === 0x2c /* , */) {
      flushSegment()
      continue
    }
    const digit = char < 128 ? (B64_VALUE[char] as number) : -1
    if (digit < 0) throw new Error(`invalid character ${JSON.stringify(mappings[i])} in source map mappings`)
    value += (digit & 31) * 2 ** shift
    if (digit & 32) {
      shift += 5
      continue
    }
    fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2)
    value = 0
    shift = 0
  }
  flushSegment()
  lines.push(line)
  return lines
}

function encodeValue(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2
  let out = ''
  do {
    let digit = rest % 32
    rest = Math.floor(rest / 32)
    if (rest > 0) digit |= 32
    out += B64[digit]
  } while (rest > 0)
  return out
}

/** Encodes absolute segments (each line sorted by generated column) back into `mappings`. */
export function encodeMappings(lines: readonly (readonly Segment[])[]): string {
  const state = [0, 0, 0, 0]
  let out = ''
  for (let l = 0; l < lines.length; l++) {
    if (l > 0) out += ';'
    let column = 0
    const segments = lines[l] as readonly Segment[]
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s] as Segment
      if (s > 0) out += ','
      out += encodeValue(segment[0] - column)
      column = segment[0]
      if (segment.length === 1) continue
      for (let f = 1; f < segment.length; f++) {
        out += encodeValue((segment[f] as number) - (state[f - 1] as number))
        state[f - 1] = segment[f] as number
      }
    }
  }
  return out
}

/** The segment of `line` with the greatest generated column <= `column` (and a source), or null. */
function lookup(line: readonly Segment[] | undefined, column: number): Segment | null {
  if (line === undefined) return null
  let low = 0
  let high = line.length - 1
  let found: Segment | null = null
  while (low <= high) {
    const mid = (low + high) >> 1
    const segment = line[mid] as Segment
    if (segment[0] <= column) {
      found = segment
      low = mid + 1
    } else {
      high = mid - 1
    }
  }
  return found !== null && found.length >= 4 ? found : null
}

/**
 * Chains `outer` (from an intermediate text to the final one) after `inner`
 * (from the original file to that intermediate text): the result maps the final
 * text straight to the original.
 *
 * `outer` may be coarse (magic-string without `hires` maps only the start of each
 * copied chunk): inside a chunk the text is taken as copied character for
 * character, so every `inner` segment that falls inside it still gets its own
 * segment in the result and columns stay exact.
 */
export function chainSourceMaps(outer: RawSourceMap, inner: RawSourceMap): RawSourceMap {
  const outer_lines = decodeMappings(outer.mappings)
  const inner_lines = decodeMappings(inner.mappings)
  const names: string[] = []
  const nameIndex = (name: string): number => {
    const index = names.indexOf(name)
    return index >= 0 ? index : names.push(name) - 1
  }
  /** `from`'s original position at generated `column`, named by `from` or else by the outer segment. */
  const at = (from: Segment, column: number, outer_segment: Segment | null): Segment => {
    const position: [number, number, number, number] = [column, from[1] as number, from[2] as number, from[3] as number]
    const name = from.length === 5 ? inner.names[from[4]] : outer_segment?.length === 5 ? outer.names[outer_segment[4]] : undefined
    return name === undefined ? position : [...position, nameIndex(name)]
  }
  const result: Segment[][] = []
  for (const segments of outer_lines) {
    const out: Segment[] = []
    const push = (segment: Segment): void => {
      const last = out[out.length - 1]
      if (last === undefined || last[0] < segment[0]) out.push(segment)
    }
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as Segment
      if (segment.length === 1) {
        push([segment[0]])
        continue
      }
      const [generated, , mid_line, mid_column] = segment
      const next = segments[i + 1]
      // The chunk ends at the next segment; where text was replaced, at whichever side is shorter.
      let span = next === undefined ? Infinity : next[0] - generated
      const next_mid_line = next?.[2]
      const next_mid_column = next?.[3]
      if (next_mid_line === mid_line && next_mid_column !== undefined && next_mid_column >= mid_column) {
        span = Math.min(span, next_mid_column - mid_column)
      }
      const inner_line = inner_lines[mid_line]
      const start = lookup(inner_line, mid_column)
      push(start === null ? [generated] : at(start, generated, segment))
      // Inside a copied chunk: the inner segments that fall in it, at the same offsets.
      for (const candidate of inner_line ?? []) {
        if (candidate.length < 4 || candidate[0] <= mid_column) continue
        if (candidate[0] - mid_column >= span) break
        push(at(candidate, generated + (candidate[0] - mid_column), null))
      }
    }
    result.push(out)
  }
  return {
    version: 3,
    file: outer.file,
    sources: inner.sources,
    sourcesContent: inner.sourcesContent,
    names,
    mappings: encodeMappings(result),
  }
}

/** `//# sourceMappingURL=data:...` for `map`, to append to generated code. */
export function inlineSourceMapComment(map: RawSourceMap): string {
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`
}
