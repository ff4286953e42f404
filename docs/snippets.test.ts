import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, test } from 'vitest'
import { codeBlocks, documentationFiles, ROOT } from './snippets.js'

/** Maps `marionette-sim[/sub]` to the source module its package export builds from. */
function sourceOf(specifier: string): string {
  const exports = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports
  const key = specifier === 'marionette-sim' ? '.' : '.' + specifier.slice('marionette-sim'.length)
  // An exact export, or a subpath pattern ('./platform/*' for marionette-sim/platform/fs).
  const pattern = Object.keys(exports).find((candidate) => candidate.endsWith('/*') && key.startsWith(candidate.slice(0, -1)))
  const target = exports[key] ?? (pattern === undefined ? undefined : { default: (exports[pattern] as { default: string }).default.replace('*', key.slice(pattern.length - 1)) })
  if (target === undefined) throw new Error(`docs import ${specifier}, which package.json does not export`)
  return join(ROOT, target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))
}

const snippet_dir = join(ROOT, 'node_modules', '.cache', 'marionette-doc-snippets')
// getting-started.md's blocks are the files of a project, run by docs/getting_started.e2e.test.ts.
const blocks = documentationFiles()
  .filter((file) => file !== 'docs/getting-started.md')
  .flatMap((file) => codeBlocks(file).filter((block) => block.lang === 'ts'))

describe('TypeScript examples in the documentation run as written', () => {
  test('there are examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5)
  })

  test.each(blocks.map((block) => [`${block.file}:${block.line}`, block] as const))('%s', async (_, block) => {
    mkdirSync(snippet_dir, { recursive: true })
    const path = join(snippet_dir, `${block.file.replace(/[/.]/g, '_')}_${block.line}.ts`)
    const source = block.body.replace(/from '(marionette-sim(?:\/[a-z]+(?:\/[a-z_]+)?)?)'/g, (_, specifier: string) => {
      const target = relative(snippet_dir, sourceOf(specifier)).replace(/\.ts$/, '.js')
      return `from '${target.startsWith('.') ? target : './' + target}'`
    })
    writeFileSync(path, source + '\nexport {}\n')
    await import(/* @vite-ignore */ path)
  })
})
