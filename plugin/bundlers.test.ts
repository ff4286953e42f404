/**
 * The same plugin through unplugin's other adapters. Rollup's is exercised
 * with rolldown (a dependency already, and it runs Rollup plugins); esbuild
 * and webpack are not installed here, so only their factories are checked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rolldown } from 'rolldown'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import esbuild from './esbuild.js'
import { marionette } from './index.js'
import { PLATFORM_PATH, platformModulePath } from './options.js'
import rollup from './rollup.js'
import vite from './vite.js'
import vitest from './vitest.js'
import webpack from './webpack.js'

let dir = ''

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marionette-bundlers-'))
  writeFileSync(join(dir, 'app.js'), `import { readFileSync } from 'node:fs'\nimport { helper } from './helper.js'\nexport const stamp = () => [Date.now(), Math.random(), helper(), readFileSync]\n`)
  writeFileSync(join(dir, 'helper.js'), `export function helper() { return setTimeout }\n`)
  writeFileSync(join(dir, 'excluded.js'), `export const t = Date.now()\n`)
  writeFileSync(join(dir, 'broken.js'), `export const t = Date.now(\n`)
})

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

async function bundle(input: string, plugin: ReturnType<typeof rollup>): Promise<string> {
  const build = await rolldown({ input: join(dir, input), plugins: [plugin as never], external: (id) => id.startsWith('node:') || id.includes('/platform/'), logLevel: 'silent' })
  try {
    const { output } = await build.generate({ format: 'esm' })
    return output[0].code
  } finally {
    await build.close()
  }
}

describe('the Rollup adapter (run by rolldown)', () => {
  it('transforms the included files: globals to the platform, builtin modules to their wrappers', async () => {
    const code = await bundle('app.js', rollup({ include: [`${dir}/**`], exclude: [`${dir}/excluded.js`] }))
    expect(code).toContain(JSON.stringify(PLATFORM_PATH))
    expect(code).toContain(JSON.stringify(platformModulePath('fs')))
    expect(code).toMatch(/__marionette_platform\.Date\.now\(\)/)
    expect(code).toMatch(/__marionette_platform\.Math_random\(\)/)
    expect(code).toMatch(/__marionette_platform\.setTimeout/)
    expect(code).not.toContain("from 'node:fs'")
  })

  it('leaves excluded files and files outside include alone', async () => {
    expect(await bundle('excluded.js', rollup({ include: [`${dir}/**`], exclude: [`${dir}/excluded.js`] }))).not.toContain('__marionette_platform')
    expect(await bundle('app.js', rollup({ include: ['somewhere-else/**'] }))).not.toContain('__marionette_platform')
  })

  it('reports a file it cannot parse with its path and position', async () => {
    await expect(bundle('broken.js', rollup({ include: [`${dir}/**`] }))).rejects.toThrow(`[marionette-sim] cannot transform ${join(dir, 'broken.js')}:2:1: Expected \`)\` but found \`EOF\``)
  })
})

describe('entry points', () => {
  it('every bundler entry builds a plugin named marionette-sim; vite and vitest are the same', () => {
    expect(vite({}).name).toBe('marionette-sim')
    expect(Object.keys(vitest({ simulate: ['x'] }))).toEqual(Object.keys(vite({ simulate: ['x'] })))
    expect(rollup().name).toBe('marionette-sim')
    expect(esbuild().name).toBe('marionette-sim')
    expect(typeof webpack().apply).toBe('function')
    expect(marionette.raw({}, { framework: 'vite', versions: {} }).name).toBe('marionette-sim')
  })

  it('the Vite plugin carries the Vitest hooks', () => {
    const plugin = vite({ simulate: ['some-dep'] }) as unknown as Record<string, unknown>
    for (const hook of ['config', 'configResolved', 'configureServer', 'configureVitest', 'transform']) {
      expect(typeof plugin[hook], hook).toBe('function')
    }
  })

  it('rejects bad options when the plugin is created', () => {
    expect(() => vite({ simulate: ['../up'] })).toThrow(`marionette-sim: simulate must list npm package names (like 'some-dep' or '@scope/dep'), got "../up"`)
  })
})
