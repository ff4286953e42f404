/** Where two traces of the same seed first differ, with the lines around it from each. */
export interface Divergence {
  /** 1-based line number of the first differing line. */
  readonly line: number
  /** The event number at that line in the first run, when it is an event line. */
  readonly event: number | null
  readonly first_run: readonly string[]
  readonly second_run: readonly string[]
  /** Index, within `first_run`/`second_run`, of the differing line. */
  readonly focus: number
}

const CONTEXT_LINES = 3

function splitLines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Compares two traces byte for byte; null when identical. */
export function compareTraces(first: Uint8Array, second: Uint8Array): Divergence | null {
  if (Buffer.compare(first, second) === 0) return null
  const a = splitLines(first)
  const b = splitLines(second)
  let index = 0
  while (index < a.length && index < b.length && a[index] === b[index]) index++
  const start = Math.max(0, index - CONTEXT_LINES)
  const match = /^event=(\d+) /.exec(a[index] ?? b[index] ?? '')
  return {
    line: index + 1,
    event: match === null ? null : Number(match[1]),
    first_run: a.slice(start, index + CONTEXT_LINES + 1),
    second_run: b.slice(start, index + CONTEXT_LINES + 1),
    focus: index - start,
  }
}

export function formatDivergence(divergence: Divergence): string {
  const where = divergence.event === null ? '' : ` (event ${divergence.event})`
  const render = (lines: readonly string[]): string =>
    lines.length === 0
      ? '      (trace ended)\n'
      : lines.map((line, i) => `    ${i === divergence.focus ? '>' : ' '} ${line}\n`).join('') +
        (divergence.focus >= lines.length ? '    > (trace ended)\n' : '')
  return (
    `replay diverged at trace line ${divergence.line}${where}: the same seed produced different traces.\n` +
    `  first run:\n${render(divergence.first_run)}` +
    `  second run:\n${render(divergence.second_run)}`
  )
}
