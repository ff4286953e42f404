import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PLATFORM_PATH } from './options.js'
import { createFilter, folderGlob, InvalidRegisterConfig, resolveConfig } from './register_config.js'

const dir = mkdtempSync(join(tmpdir(), 'marionette-register-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function project(name: string, package_json: object | null): string {
  const root = join(dir, name)
  mkdirSync(join(root, 'app', 'deep'), { recursive: true })
  if (package_json !== null) writeFileSync(join(root, 'package.json'), JSON.stringify(package_json))
  return root
}

describe('resolveConfig', () => {
  it('defaults to every file outside node_modules and no package', () => {
    const root = project('plain', { name: 'plain' })
    const config = resolveConfig(root, {})
    expect(config).toEqual({ include: null, simulate: [], root })
    const selects = createFilter(config)
    expect(selects(join(root, 'app', 'main.ts'))).toBe(true)
    expect(selects(join(dir, 'elsewhere', 'tool.mjs'))).toBe(true)
    expect(selects(join(root, 'node_modules', 'dep', 'index.js'))).toBe(false)
    expect(selects(join(root, 'data.json'))).toBe(false)
  })

  it("reads the nearest package.json's marionette field, globs relative to its folder", () => {
    const root = project('field', { marionette: { include: ['app/deep/**'], simulate: ['dep', '@scope/lib'] } })
    const config = resolveConfig(join(root, 'app'), {})
    expect(config).toEqual({ include: ['app/deep/**'], simulate: ['dep', '@scope/lib'], root })
    const selects = createFilter(config)
    expect(selects(join(root, 'app', 'deep', 'x.ts'))).toBe(true)
    expect(selects(join(root, 'app', 'y.ts'))).toBe(false)
    expect(selects(join(root, 'node_modules', 'dep', 'lib', 'index.js'))).toBe(true)
    expect(selects(join(root, 'node_modules', '@scope', 'lib', 'index.cjs'))).toBe(true)
    expect(selects(join(root, 'node_modules', 'other', 'index.js'))).toBe(false)
  })

  it('lets the environment override each setting of the field separately, relative to the working directory', () => {
    const root = project('env', { marionette: { include: ['app/deep/**'], simulate: ['dep'] } })
    const cwd = join(root, 'app')
    const include_only = resolveConfig(cwd, { MARIONETTE_INCLUDE: 'main.ts, deep' })
    expect(include_only).toEqual({ include: ['main.ts', 'deep'], simulate: ['dep'], root: cwd })
    const selects = createFilter(include_only)
    expect(selects(join(cwd, 'main.ts'))).toBe(true)
    expect(selects(join(cwd, 'deep', 'x.ts'))).toBe(true) // a plain folder name is the whole folder
    expect(selects(join(cwd, 'other.ts'))).toBe(false)

    expect(resolveConfig(cwd, { MARIONETTE_SIMULATE: 'a,@b/c' })).toEqual({ include: ['app/deep/**'], simulate: ['a', '@b/c'], root })
    // Set but empty: nothing.
    expect(resolveConfig(cwd, { MARIONETTE_INCLUDE: '', MARIONETTE_SIMULATE: '' })).toEqual({ include: [], simulate: [], root: cwd })
    expect(createFilter(resolveConfig(cwd, { MARIONETTE_INCLUDE: '' }))(join(cwd, 'main.ts'))).toBe(false)
  })

  it('accepts absolute globs', () => {
    const root = project('absolute', null)
    const selects = createFilter(resolveConfig(root, { MARIONETTE_INCLUDE: `${join(root, 'app')}/**/*.ts` }))
    expect(selects(join(root, 'app', 'deep', 'x.ts'))).toBe(true)
    expect(selects(join(root, 'app', 'deep', 'x.js'))).toBe(false)
  })

  it("never selects marionette-sim's own runtime", () => {
    expect(createFilter(resolveConfig(dir, { MARIONETTE_INCLUDE: '/**' }))(PLATFORM_PATH)).toBe(false)
  })

  it('rejects a malformed field or package name with a message naming the file', () => {
    const bad_field = project('bad-field', { marionette: ['app/**'] })
    expect(() => resolveConfig(bad_field, {})).toThrow(InvalidRegisterConfig)
    expect(() => resolveConfig(bad_field, {})).toThrow(/"marionette" field of .*package\.json must be an object/)
    const bad_include = project('bad-include', { marionette: { include: 'app/**' } })
    expect(() => resolveConfig(bad_include, {})).toThrow(/"marionette.include" in .*package\.json must be an array of strings/)
    expect(() => resolveConfig(dir, { MARIONETTE_SIMULATE: 'not a package' })).toThrow(/package names/)
  })
})

it('folderGlob selects a folder whose path holds glob characters, and nothing beside it', () => {
  const folder = join(dir, 'odd [name] {a,b}', 'examples')
  const selects = createFilter({ include: [folderGlob(folder)], simulate: [], root: dir })
  expect(selects(join(folder, 'index.js'))).toBe(true)
  expect(selects(join(folder, 'deep', 'x.js'))).toBe(true)
  expect(selects(join(dir, 'odd n {a,b}', 'examples', 'index.js'))).toBe(false)
  expect(selects(join(dir, 'odd [name] {a,b}', 'other.js'))).toBe(false)
})
