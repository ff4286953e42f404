import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root (this file lives in docs/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface Block {
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly lang: string
  readonly body: string
}

/** The README and every page under docs/. */
export function documentationFiles(): string[] {
  const pages = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join('docs', name))
  return ['README.md', ...pages]
}

/** Fenced code blocks of a markdown file. */
export function codeBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string)
    if (open === null) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string)
    blocks.push({ file, line: start + 1, lang: open[1] ?? '', body: body.join('\n') })
  }
  return blocks
}
