/** Levenshtein distance between two short names. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] as number
}

/** The known name closest to a mistyped one, when it is close enough to suggest. */
export function didYouMean(name: string, names: readonly string[]): string | undefined {
  let best: { candidate: string; d: number } | undefined
  for (const candidate of names) {
    const d = editDistance(name, candidate)
    if (best === undefined || d < best.d) best = { candidate, d }
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined
}
