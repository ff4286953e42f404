import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, test } from 'vitest'
import { codeBlocks, documentationFiles, ROOT } from './snippets.js'

const run = promisify(execFile)
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')

interface Transcript {
  readonly where: string
  readonly command: string
  readonly expected: string
}

/** `$ npx marionette ...` lines in fenced blocks, each with the output lines that follow it. */
function transcripts(): Transcript[] {
  const found: Transcript[] = []
  for (const file of documentationFiles()) {
    for (const block of codeBlocks(file)) {
      const lines = block.body.split('\n')
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string
        if (!line.startsWith('$ npx marionette ')) continue
        const output: string[] = []
        for (let j = i + 1; j < lines.length && !(lines[j] as string).startsWith('$ '); j++) output.push(lines[j] as string)
        found.push({ where: `${file}:${block.line + 1 + i}`, command: line.slice(2), expected: output.join('\n') })
      }
    }
  }
  return found
}

const all = transcripts()

describe('command transcripts in the documentation', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`)
  })

  test('there are transcripts to check', () => {
    expect(all.length).toBeGreaterThanOrEqual(3)
  })

  test.each(all.map((t) => [`${t.where}: ${t.command}`, t] as const))('%s', async (_, transcript) => {
    // Through a shell, so a transcript may pipe into grep; `npx marionette` is the built CLI.
    const command = transcript.command.replace(/^npx marionette /, `'${process.execPath}' '${CLI}' `)
    const result = await run('sh', ['-c', command], { cwd: ROOT }).catch((error: { stdout: string }) => error)
    expect(result.stdout.trimEnd()).toBe(transcript.expected.trimEnd())
  })
})
