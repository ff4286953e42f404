/** `tidy` as a command, in-process: flags, configuration, exit codes and usage errors. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tidyCommand } from './command.js'
import { TidyUsageError } from './usage_error.js'

let root: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tidy-command-'))
  write({
    'package.json': JSON.stringify({ name: 'app', marionette: { tidy: { ban: ['real-io'], simulate: ['dep'] } } }),
    'src/a.ts': `eval('x')\nexport const home = process.env.HOME`,
    'lib/b.ts': `new WeakRef(o)`,
    'node_modules/dep/package.json': `{"name":"dep"}`,
    'node_modules/dep/index.js': `new SharedArrayBuffer(8)`,
    'node_modules/other/package.json': `{"name":"other"}`,
    'node_modules/other/index.js': `Atomics.wait(a, 0, 0)`,
  })
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

function tidy(...args: string[]): { code: number; out: string } {
  let out = ''
  const code = tidyCommand(args, { out: (text) => (out += text) }, root)
  return { code, out }
}

describe('exit codes and output', () => {
  it('checks src and the configured dependencies by default, and exits 1 on findings', () => {
    expect(tidy()).toEqual({
      code: 1,
      out: [
        'node_modules/dep/index.js:1:5  threads  SharedArrayBuffer shares memory with other threads',
        'src/a.ts:1:1  eval  eval() runs code the transform never sees',
        'src/a.ts:2:21  real-io  process.env reads the real environment',
        '3 findings in 2 files (2 files checked)',
        '',
      ].join('\n'),
    })
  })

  it('exits 0 when nothing is found', () => {
    write({ 'clean/c.ts': `setTimeout(() => Math.random(), 1)` })
    expect(tidy('clean', '--simulate', 'other', '--allow', 'atomics-wait')).toEqual({ code: 0, out: '0 findings in 0 files (2 files checked)\n' })
  })

  it('flags win over the package.json: --allow, --ban, and --simulate replacing its list', () => {
    const { out } = tidy('src', 'lib', '--allow', 'real-io,eval', '--ban', 'weakref', '--simulate', 'other')
    expect(out.split('\n')).toEqual([
      'lib/b.ts:1:5  weakref  WeakRef: when its target is collected depends on the garbage collector, not on the seed',
      'node_modules/other/index.js:1:1  atomics-wait  Atomics.wait blocks on real time and on other threads',
      '2 findings in 2 files (3 files checked)',
      '',
    ])
  })

  it('--json prints one JSON document with the same exit code', () => {
    const { code, out } = tidy('src', '--json', '--allow', 'real-io')
    expect(code).toBe(1)
    const document = JSON.parse(out) as { findings: Array<{ rule: string }>; summary: unknown }
    expect(document.findings.map((f) => f.rule)).toEqual(['threads', 'eval'])
    expect(document.summary).toEqual({ findings: 2, files: 2, checked: 2 })
  })

  it('--rules lists every rule and exits 0 without checking anything', () => {
    const { code, out } = tidy('--rules', 'no-such-path')
    expect(code).toBe(0)
    expect(out).toMatch(/^eval {13}on {3}eval, new Function/)
    expect(out).toMatch(/^real-io {10}off {2}process.env/m)
    expect(out).toMatch(/^ +fix: /m)
  })
})

describe('usage errors', () => {
  const cases: Array<{ args: string[]; message: RegExp }> = [
    { args: ['--ban', 'evil'], message: /--ban: unknown rule "evil" \(did you mean eval\?\); known rules: eval, computed-global, weakref, atomics-wait, threads, native-addon, real-io, parse-error/ },
    { args: ['--allow', 'threads,nope'], message: /--allow: unknown rule "nope"/ },
    { args: ['--allow', ''], message: /--allow needs a value/ },
    { args: ['--ban', 'eval', '--allow', 'eval'], message: /--ban and --allow both name eval/ },
    { args: ['missing-dir'], message: /no such file or directory: missing-dir/ },
    { args: ['--simulate', 'not-installed'], message: /cannot find package "not-installed"/ },
    { args: ['--bogus'], message: /Unknown option '--bogus'/ },
    { args: ['--simulate'], message: /argument missing/ },
  ]

  it.each(cases)('$args', ({ args, message }) => {
    expect(() => tidy(...args)).toThrow(TidyUsageError)
    expect(() => tidy(...args)).toThrow(message)
  })

  it('without paths, needs a src directory', () => {
    rmSync(join(root, 'src'), { recursive: true })
    expect(() => tidy()).toThrow(/no paths given and there is no src here; name the files or directories to check/)
  })
})
