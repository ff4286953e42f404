import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { CompileCache } from './compile_cache.js'

const dirs: string[] = []
function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'marionette-cache-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('CompileCache', () => {
  test('misses, then returns what was stored, including "unchanged"', () => {
    const cache = new CompileCache(join(cacheDir(), 'nested', 'dir'))
    const key = cache.key('/a.js', 'Date.now()', 'cjs:true:/p.js')
    expect(cache.get(key)).toBeUndefined()
    cache.set(key, 'compiled')
    expect(cache.get(key)).toBe('compiled')
    const unchanged = cache.key('/b.js', 'x', 'cjs:true:/p.js')
    cache.set(unchanged, null)
    expect(cache.get(unchanged)).toBeNull()
  })

  test('keys differ by path, content and options, and agree across instances', () => {
    const dir = cacheDir()
    const a = new CompileCache(dir)
    const b = new CompileCache(dir)
    const key = a.key('/a.js', 'code', 'cjs:true:/p.js')
    expect(b.key('/a.js', 'code', 'cjs:true:/p.js')).toBe(key)
    expect(a.key('/b.js', 'code', 'cjs:true:/p.js')).not.toBe(key)
    expect(a.key('/a.js', 'code2', 'cjs:true:/p.js')).not.toBe(key)
    expect(a.key('/a.js', 'code', 'esm:true:/p.js')).not.toBe(key)
    a.set(key, 'from a')
    expect(b.get(key)).toBe('from a')
  })

  test('leaves no temporary files, and an unwritable location only costs a miss', () => {
    const dir = cacheDir()
    const cache = new CompileCache(dir)
    cache.set(cache.key('/a.js', 'c', 'o'), 'x')
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([])
    const file = join(cacheDir(), 'a-file')
    writeFileSync(file, '')
    const broken = new CompileCache(join(file, 'below-a-file'))
    const key = broken.key('/a.js', 'c', 'o')
    broken.set(key, 'x')
    expect(broken.get(key)).toBeUndefined()
  })

  test('MARIONETTE_CACHE=0 turns it off', () => {
    const before = process.env.MARIONETTE_CACHE
    process.env.MARIONETTE_CACHE = '0'
    try {
      expect(CompileCache.fromEnvironment()).toBeNull()
    } finally {
      if (before === undefined) delete process.env.MARIONETTE_CACHE
      else process.env.MARIONETTE_CACHE = before
    }
  })
})
