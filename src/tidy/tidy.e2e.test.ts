/**
 * `marionette tidy` as users run it: the built CLI (`node dist/src/cli/main.js tidy`) as a separate
 * process, on the fixture project fixtures/tidy (src/ with one file per kind of finding, and
 * node_modules/fake-native, a dependency with a native addon, audited through the package.json).
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = join(ROOT, 'fixtures', 'tidy')
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function tidy(cwd: string, ...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'tidy', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function shown(result: Result): string {
  return `\nexit code: ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`
}

/** The findings in fixtures/tidy/src, as named from `prefix` (every rule on by default). */
function sourceFindings(prefix: string): string[] {
  return [
    `${prefix}src/addon.cjs:1:25  native-addon  loads the native addon ./build/Release/addon.node`,
    `${prefix}src/addon.cjs:2:24  native-addon  bindings loads a native addon`,
    `${prefix}src/broken.ts:3:1  parse-error  does not parse: Unexpected token`,
    `${prefix}src/dynamic.js:3:18  eval  eval() runs code the transform never sees`,
    `${prefix}src/dynamic.js:4:24  eval  indirect eval (0, eval) runs code the transform never sees`,
    `${prefix}src/dynamic.js:5:21  eval  new Function() compiles code the transform never sees`,
    `${prefix}src/dynamic.js:6:14  eval  setTimeout with a string runs it as code the transform never sees`,
    `${prefix}src/dynamic.js:11:10  computed-global  globalThis[name] with a computed key can reach any global without the transform seeing it`,
    `${prefix}src/dynamic.js:14:7  computed-global  M holds Math, so M.random() is not redirected; write Math.random() where it is used`,
    `${prefix}src/dynamic.js:16:9  computed-global  destructuring hrtime out of process hides process.hrtime from the transform; write process.hrtime() where it is used`,
    `${prefix}src/threads.ts:1:24  threads  node:worker_threads runs code outside the simulated event loop`,
    `${prefix}src/threads.ts:7:36  threads  SharedArrayBuffer shares memory with other threads`,
    `${prefix}src/threads.ts:8:3  atomics-wait  Atomics.wait blocks on real time and on other threads`,
    `${prefix}src/threads.ts:11:26  weakref  WeakRef: when its target is collected depends on the garbage collector, not on the seed`,
  ]
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test builds before it tests)`)
})

describe('tidy on the fixture project', () => {
  it('in the project: checks src, bans real-io and audits fake-native as its package.json says; exits 1', async () => {
    const result = await tidy(FIXTURE)
    expect(result.code, shown(result)).toBe(1)
    expect(result.stderr).toBe('')
    const expected = [
      'node_modules/fake-native/binding.gyp:1:1  native-addon  package fake-native builds a native addon (binding.gyp)',
      'node_modules/fake-native/index.js:2:24  native-addon  node-gyp-build loads a native addon',
      'node_modules/fake-native/lib/helpers.js:2:7  computed-global  root holds globalThis, so root.setTimeout() is not redirected; write setTimeout() where it is used',
      'node_modules/fake-native/prebuilds/linux-x64/fake-native.node:1:1  native-addon  package fake-native ships the compiled addon fake-native.node',
      ...sourceFindings(''),
      'src/threads.ts:11:41  real-io  process.env reads the real environment',
      // 5 source files, 2 JavaScript files of fake-native (not its test/), and its 2 addon files.
      '19 findings in 8 files (9 files checked)',
      '',
    ]
    expect(result.stdout.split('\n')).toEqual(expected)
  })

  it('from the repository root: paths relative to it, and this package.json (no tidy configuration) applies', async () => {
    const result = await tidy(ROOT, 'fixtures/tidy/src')
    expect(result.code, shown(result)).toBe(1)
    expect(result.stdout.split('\n')).toEqual([...sourceFindings('fixtures/tidy/'), '14 findings in 4 files (5 files checked)', ''])
  })

  it('exits 0 on a file with nothing to report (locals that shadow globals, literal keys, types)', async () => {
    const result = await tidy(ROOT, 'fixtures/tidy/src/clean.ts')
    expect(result.code, shown(result)).toBe(0)
    expect(result.stdout).toBe('0 findings in 0 files (1 file checked)\n')
  })

  it('flags win over the package.json', async () => {
    const result = await tidy(FIXTURE, 'src/threads.ts', '--allow', 'real-io', '--allow', 'threads,weakref', '--simulate', './node_modules/fake-native', '--allow', 'native-addon')
    expect(result.code, shown(result)).toBe(1)
    expect(result.stdout.split('\n')).toEqual([
      'node_modules/fake-native/lib/helpers.js:2:7  computed-global  root holds globalThis, so root.setTimeout() is not redirected; write setTimeout() where it is used',
      'src/threads.ts:8:3  atomics-wait  Atomics.wait blocks on real time and on other threads',
      '2 findings in 2 files (5 files checked)',
      '',
    ])
  })

  it('--json: the same findings with reasons and fixes, and the same exit code', async () => {
    const result = await tidy(FIXTURE, '--json')
    expect(result.code, shown(result)).toBe(1)
    const document = JSON.parse(result.stdout) as {
      findings: Array<{ path: string; line: number; column: number; rule: string; message: string; reason: string; fix: string }>
      summary: { findings: number; files: number; checked: number }
    }
    expect(document.summary).toEqual({ findings: 19, files: 8, checked: 9 })
    expect(document.findings[0]).toMatchObject({ path: 'node_modules/fake-native/binding.gyp', line: 1, column: 1, rule: 'native-addon' })
    for (const finding of document.findings) {
      expect(finding.reason.length).toBeGreaterThan(0)
      expect(finding.fix.length).toBeGreaterThan(0)
    }
  })

  it('--rules lists the rules and exits 0', async () => {
    const result = await tidy(ROOT, '--rules')
    expect(result.code, shown(result)).toBe(0)
    const ids = result.stdout.split('\n').filter((line) => /^\S/.test(line)).map((line) => line.split(/\s+/)[0])
    expect(ids).toEqual(['eval', 'computed-global', 'weakref', 'atomics-wait', 'threads', 'native-addon', 'real-io', 'parse-error'])
  })
})

describe('usage errors exit 2 with a message on stderr', () => {
  const cases: Array<{ what: string; args: string[]; message: RegExp }> = [
    {
      what: 'unknown rule, listing the known ones',
      args: ['--ban', 'evl'],
      message: /--ban: unknown rule "evl" \(did you mean eval\?\); known rules: eval, computed-global, weakref, atomics-wait, threads, native-addon, real-io, parse-error/,
    },
    { what: 'missing path', args: ['no/such/dir'], message: /no such file or directory: no\/such\/dir/ },
    { what: 'unknown flag', args: ['--fix'], message: /Unknown option '--fix'/ },
    { what: 'dependency not installed', args: ['src', '--simulate', 'left-pad'], message: /cannot find package "left-pad"/ },
    { what: 'a rule both banned and allowed', args: ['--ban', 'weakref', '--allow', 'weakref'], message: /--ban and --allow both name weakref/ },
  ]

  it.each(cases)('$what', async ({ args, message }) => {
    const result = await tidy(FIXTURE, ...args)
    expect(result.code, shown(result)).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^marionette: /)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toContain('Run `marionette help` for usage.')
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
  })
})
