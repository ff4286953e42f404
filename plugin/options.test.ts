import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  CJS_SETUP_PATH, MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH,
  cleanId,
  FileFilter,
  findInstalledPackage,
  globToRegExp,
  packageFilesRegExp,
  packageOfFile,
  PLATFORM_PATH,
  platformModulePath,
  resolveOptions,
} from './options.js'
import { addTestConfig, missingPackageWarning, projectsWarning, rootOnlyWarning } from './vitest_config.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))

describe('globToRegExp', () => {
  const cases: [string, string, boolean][] = [
    ['src/**', 'src/a.ts', true],
    ['src/**', 'src/a/b/c.ts', true],
    ['src/**', 'src', true],
    ['src/**', 'srcx/a.ts', false],
    ['src/**', 'lib/src/a.ts', false],
    ['./src/**', 'src/a.ts', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/a/b/c.ts', true],
    ['src/**/*.ts', 'src/a/b/c.js', false],
    ['**/*.test.ts', 'a.test.ts', true],
    ['**/*.test.ts', 'x/y/a.test.ts', true],
    ['src/**/*.{ts,js}', 'src/x/a.js', true],
    ['src/**/*.{ts,js}', 'src/x/a.mjs', false],
    ['src/{a,b/{c,d}}.ts', 'src/b/d.ts', true],
    ['src/{a,b/{c,d}}.ts', 'src/b/e.ts', false],
    ['src/file?.ts', 'src/file1.ts', true],
    ['src/file?.ts', 'src/file/.ts', false],
    ['src/[ab].ts', 'src/b.ts', true],
    ['src/[!ab].ts', 'src/b.ts', false],
    ['src/[!ab].ts', 'src/c.ts', true],
    ['src/a.b+c.ts', 'src/a.b+c.ts', true],
    ['src/a.b+c.ts', 'src/aXb+c.ts', false],
    ['/abs/dir/**', '/abs/dir/x.ts', true],
  ]
  it.each(cases)('%s against %s is %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected)
  })

  it('rejects unbalanced braces', () => {
    expect(() => globToRegExp('src/{a,b')).toThrow('unbalanced braces')
  })
})

describe('packageOfFile', () => {
  it.each([
    ['/p/node_modules/dep/index.js', 'dep'],
    ['/p/node_modules/dep/lib/a.js', 'dep'],
    ['/p/node_modules/@scope/dep/lib/a.js', '@scope/dep'],
    ['/p/node_modules/.pnpm/dep@1.0.0/node_modules/dep/index.js', 'dep'],
    ['/p/node_modules/.pnpm/@scope+dep@1.0.0/node_modules/@scope/dep/index.js', '@scope/dep'],
    ['/p/node_modules/dep/node_modules/inner/index.js', 'inner'],
    ['C:\\p\\node_modules\\dep\\index.js', 'dep'],
    ['/p/src/index.js', null],
    ['/p/node_modules/.vite/deps/x.js', null],
    ['/p/node_modules/dep', null],
  ])('%s belongs to %s', (file, name) => {
    expect(packageOfFile(file)).toBe(name)
  })
})

describe('packageFilesRegExp (server.deps.inline)', () => {
  it('matches the package files, not a longer name or a nested dependency', () => {
    const re = packageFilesRegExp('dep')
    expect(re.test('/p/node_modules/dep/index.js')).toBe(true)
    expect(re.test('/p/node_modules/.pnpm/dep@1.0.0/node_modules/dep/lib/a.js')).toBe(true)
    expect(re.test('/p/node_modules/dep-extra/index.js')).toBe(false)
    expect(re.test('/p/node_modules/dep/node_modules/other/index.js')).toBe(false)
    const scoped = packageFilesRegExp('@scope/dep')
    expect(scoped.test('/p/node_modules/@scope/dep/index.js')).toBe(true)
    expect(scoped.test('C:\\p\\node_modules\\@scope\\dep\\index.js')).toBe(true)
    expect(scoped.test('/p/node_modules/@scope/dep2/index.js')).toBe(false)
  })
})

describe('FileFilter', () => {
  const root = '/project'
  const filter = new FileFilter(resolveOptions({ include: ['src/**'], exclude: ['src/vendor/**'], simulate: ['sim-dep', '@s/dep'] }), root)

  it.each([
    ['/project/src/a.ts', true],
    ['/project/src/a.ts?v=123', true],
    ['/project/src/deep/b.mjs', true],
    ['/project/src/c.tsx', true],
    ['/project/src/d.cjs', true],
    ['/project/src/style.css', false],
    ['/project/src/data.json', false],
    ['/project/src/vendor/x.js', false],
    ['/project/test/a.test.ts', false],
    ['/elsewhere/src/a.ts', false],
    ['\0virtual:thing.ts', false],
    ['virtual:thing.ts', false],
    ['/project/node_modules/sim-dep/index.js', true],
    ['/project/node_modules/sim-dep/lib/a.cjs', true],
    ['/project/node_modules/.pnpm/sim-dep@2.0.0/node_modules/sim-dep/index.js', true],
    ['/project/node_modules/@s/dep/index.js', true],
    ['/project/node_modules/other/index.js', false],
    ['/project/node_modules/sim-dep/node_modules/other/index.js', false],
    ['/project/src/node_modules/other/index.js', false],
  ])('%s: %s', (id, expected) => {
    expect(filter.matches(id)).toBe(expected)
  })

  it('never transforms marionette-sim itself (the platform, the runner, the plugin), from source or built', () => {
    const everything = new FileFilter(resolveOptions({ include: ['**'] }), REPO)
    for (const file of ['src/platform/index.ts', 'src/run/run.ts', 'plugin/index.ts', 'dist/src/platform/index.js', 'dist/plugin/index.js']) {
      expect(everything.matches(join(REPO, file)), file).toBe(false)
    }
    expect(everything.matches(join(REPO, 'examples/retry_queue/scenario.ts'))).toBe(true)
    expect(everything.matches(join(REPO, 'fixtures/transform-app/src/clock_app.ts'))).toBe(true)
  })

  it('uses the root it is given (Vite sets it from config.root)', () => {
    const moved = new FileFilter(resolveOptions({}), '/a')
    expect(moved.matches('/a/src/x.ts')).toBe(true)
    moved.setRoot('/b')
    expect(moved.matches('/a/src/x.ts')).toBe(false)
    expect(moved.matches('/b/src/x.ts')).toBe(true)
  })
})

describe('resolveOptions', () => {
  it('defaults to src/** and no packages', () => {
    expect(resolveOptions()).toEqual({ include: ['src/**'], exclude: [], simulate: [], memory: true })
    expect(resolveOptions({ include: 'lib/**', exclude: 'lib/x.ts', simulate: ['a', 'a'], memory: false })).toEqual({ include: ['lib/**'], exclude: ['lib/x.ts'], simulate: ['a'], memory: false })
  })

  it('rejects wrong values with a message naming the option', () => {
    expect(() => resolveOptions({ simulate: 'dep' as unknown as string[] })).toThrow('marionette-sim: simulate must be an array of package names, got "dep"')
    expect(() => resolveOptions({ simulate: ['./local'] })).toThrow(`marionette-sim: simulate must list npm package names (like 'some-dep' or '@scope/dep'), got "./local"`)
    expect(() => resolveOptions({ memory: 'yes' as unknown as boolean })).toThrow('marionette-sim: memory must be true or false, got "yes"')
    expect(() => resolveOptions({ include: [''] })).toThrow('marionette-sim: include must be glob strings, got ""')
  })
})

describe('paths', () => {
  it('point at the platform beside the plugin (the sources here)', () => {
    expect(PLATFORM_PATH).toBe(join(REPO, 'src/platform/index.ts'))
    expect(platformModulePath('fs/promises')).toBe(join(REPO, 'src/platform/modules/fs_promises.ts'))
    expect(platformModulePath('child_process')).toBe(join(REPO, 'src/platform/modules/child_process.ts'))
    expect(CJS_SETUP_PATH).toBe(join(REPO, 'plugin/cjs_setup.ts'))
    expect(cleanId('C:\\x\\y.ts?import')).toBe('C:/x/y.ts')
  })

  it('findInstalledPackage looks up from the root like Node', () => {
    expect(findInstalledPackage('vitest', join(REPO, 'plugin'))).toBe(join(REPO, 'node_modules/vitest'))
    expect(findInstalledPackage('cjs-dep', join(REPO, 'fixtures/transform-app/src'))).toBe(join(REPO, 'fixtures/transform-app/node_modules/cjs-dep'))
    expect(findInstalledPackage('surely-not-installed-package', REPO)).toBeNull()
  })
})

describe('the Vitest config the plugin adds', () => {
  it('inlines the packages, keeps them out of the optimizer, appends the setup file, and keeps the user values', () => {
    const test = {
      server: { deps: { inline: ['user-inline' as string | RegExp] } },
      deps: { optimizer: { ssr: { exclude: ['user-ex'] } } },
      setupFiles: './user-setup.ts',
    }
    addTestConfig(test, ['dep'])
    expect(test.server.deps.inline.map(String)).toEqual(['user-inline', String(packageFilesRegExp('dep'))])
    expect(test.deps.optimizer).toEqual({ ssr: { exclude: ['user-ex', 'dep'] }, client: { exclude: ['dep'] } })
    expect(test.setupFiles).toEqual(['./user-setup.ts', MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH, CJS_SETUP_PATH])
    addTestConfig(test, ['dep'])
    expect(test.setupFiles).toEqual(['./user-setup.ts', MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH, CJS_SETUP_PATH])
  })

  it('leaves `inline: true` alone and adds only the matchers without packages', () => {
    const test = { server: { deps: { inline: true as const } } }
    addTestConfig(test, ['dep'])
    expect(test.server.deps.inline).toBe(true)
    const empty = {}
    addTestConfig(empty, [], '/app')
    expect(empty).toEqual({ setupFiles: [MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH], onStackTrace: expect.any(Function) })
    // The stack filter hides this package's frames and keeps everything else (and the user's filter decides those).
    const filter = (empty as { onStackTrace: (error: unknown, frame: { file: string }) => boolean }).onStackTrace
    expect(filter({}, { file: fileURLToPath(new URL('./sim_run.ts', import.meta.url)) })).toBe(false)
    expect(filter({}, { file: fileURLToPath(new URL('./test_sim.test.ts', import.meta.url)) })).toBe(true)
    expect(filter({}, { file: '/app/src/store.ts' })).toBe(true)
    const user = { onStackTrace: (_error: unknown, frame: { file: string }) => !frame.file.includes('vendor') }
    addTestConfig(user, [], '/app')
    expect(user.onStackTrace({}, { file: '/app/vendor/x.js' })).toBe(false)
    // Vitest running in this package itself keeps every frame.
    const own = {}
    addTestConfig(own, [], fileURLToPath(new URL('..', import.meta.url)))
    expect(own).toEqual({ setupFiles: [MATCHERS_SETUP_PATH, SWEEP_SETUP_PATH] })
  })

  it('warning texts', () => {
    expect(projectsWarning(['e2e'])).toBe(
      '[marionette-sim] test project "e2e" does not get the marionette-sim plugin, so its files run on the real clock, timers, randomness, disk and network even inside a simulation. ' +
        "Root-level plugins reach only projects declared with `extends: true`: add `extends: true` to the project in `test.projects`, or add marionette(...) to the project's own `plugins`.",
    )
    expect(projectsWarning(['a', 'b'])).toContain('test projects "a", "b" do not get')
    expect(rootOnlyWarning(['unit'])).toContain('the marionette-sim plugin is in the root config, but no test project in this run gets it (projects without it: "unit")')
    expect(missingPackageWarning('nope', '/r')).toBe(
      '[marionette-sim] simulate lists "nope", which is not installed (no node_modules/nope/package.json in /r or above it), so none of its files can be simulated. Install it, or remove it from `simulate`.',
    )
  })
})
