import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { applyMemoryUpdates, FAILURES_FILE, MAX_REMEMBERED_SEEDS_PER_TEST, memoryKey, readFailureMemory, writeFailureMemory } from './failure_memory.js'

const roots: string[] = []
function root(): string {
  const folder = mkdtempSync(join(tmpdir(), 'marionette-memory-'))
  roots.push(folder)
  return folder
}
afterEach(() => {
  for (const folder of roots.splice(0)) rmSync(folder, { recursive: true, force: true })
})

describe('failing-seed memory', () => {
  it('keys tests by file and full name', () => {
    expect(memoryKey('src\\a.test.ts', 'suite x')).toBe('src/a.test.ts > suite x')
  })

  it('adds failed seeds, removes passed ones, drops empty entries, sorts keys, caps the list', () => {
    const start = { 'b > t': ['1', '2'], 'a > t': ['9'] }
    const next = applyMemoryUpdates(start, [
      { key: 'b > t', failed: ['3'], passed: ['1'] },
      { key: 'a > t', failed: [], passed: ['9'] },
      { key: 'c > t', failed: ['5', '5'], passed: [] },
    ])
    expect(next).toEqual({ 'b > t': ['2', '3'], 'c > t': ['5'] })
    expect(Object.keys(next)).toEqual(['b > t', 'c > t'])
    expect(start).toEqual({ 'b > t': ['1', '2'], 'a > t': ['9'] })
    const many = applyMemoryUpdates({}, [{ key: 'k', failed: Array.from({ length: 20 }, (_, i) => String(i)), passed: [] }])
    expect(many['k']).toHaveLength(MAX_REMEMBERED_SEEDS_PER_TEST)
    expect(many['k']![0]).toBe('4')
  })

  it('round-trips through .marionette/failures.json', () => {
    const folder = root()
    expect(readFailureMemory(folder, () => {})).toEqual({})
    const path = writeFailureMemory(folder, { 'src/a.test.ts > x': ['7'] })
    expect(path).toBe(join(folder, FAILURES_FILE))
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 1, tests: { 'src/a.test.ts > x': ['7'] } })
    expect(readFailureMemory(folder, () => {})).toEqual({ 'src/a.test.ts > x': ['7'] })
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false)
  })

  it('warns about a damaged file and goes on without it', () => {
    const folder = root()
    mkdirSync(join(folder, '.marionette'))
    writeFileSync(join(folder, FAILURES_FILE), '{"version": 2}')
    const warnings: string[] = []
    expect(readFailureMemory(folder, (message) => warnings.push(message))).toEqual({})
    expect(warnings[0]).toContain('failures.json: expected { "version": 1, "tests": { ... } }; delete it, or fix it by hand')
  })
})
