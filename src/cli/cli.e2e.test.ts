/**
 * The CLI contract, tested on the built CLI (`dist/src/cli/main.js`) run as a
 * separate process: what each command prints, and its exit code (0 as expected,
 * 1 not as expected, 2 usage error with a message on stderr).
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { examples, findExample } from '../../examples/index.js'
import { IDEMPOTENCY_FAILING_SEED, IDEMPOTENCY_PASSING_SEED } from '../../examples/idempotency_bug/seeds.js'
import { REGISTER_SWARM_BUG_SEED } from '../../examples/replicated_register/seeds.js'
import { DURABLE_BROADCAST_FUZZ_SEED } from '../../examples/durable_broadcast/seeds.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = 'dist/src/cli/main.js'
const GIT_SEED = '3f786850e387550fdab836ed7e6dc881de23001b'

interface Result {
  readonly command: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout_bytes: Buffer
  readonly stdout: string
  readonly stderr: string
}

function runProcess(command: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const stdout_bytes = Buffer.concat(out)
      resolve({
        command: [command, ...args].join(' '),
        code,
        signal,
        stdout_bytes,
        stdout: stdout_bytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
  })
}

/** `node dist/src/cli/main.js ...args`, from the repository root. */
function cli(...args: string[]): Promise<Result> {
  return runProcess(process.execPath, [CLI, ...args])
}

/** The whole result, for assertion messages: a failing expectation shows what the process printed. */
function shown(result: Result): string {
  return `\n$ ${result.command}\nexit code: ${result.code}${result.signal ? ` (signal ${result.signal})` : ''}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`
}

function expectExit(result: Result, code: number): void {
  expect(result.code, shown(result)).toBe(code)
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '')
}

beforeAll(() => {
  if (!existsSync(join(ROOT, CLI))) {
    throw new Error(`${join(ROOT, CLI)} is missing: run npm run build first (npm test builds before it tests)`)
  }
})

describe('list-examples', () => {
  it('lists every example, one line each, and exits 0', async () => {
    const result = await cli('list-examples')
    expectExit(result, 0)
    expect(result.stderr).toBe('')
    const listed = lines(result.stdout)
    expect(listed.map((line) => line.split(/\s+/)[0])).toEqual(examples.map((ex) => ex.name))
    for (const [i, ex] of examples.entries()) {
      expect(listed[i]).toContain(`seed ${ex.default_seed}`)
      expect(listed[i]).toContain(ex.expect === 'fail' ? 'buggy' : 'correct')
      expect(listed[i]).toContain(ex.description)
    }
  })

  it('is wired as the package bin: npx marionette list-examples', async () => {
    // --no: never offer to install a package from the registry; this must resolve to the project's own bin.
    const [via_npx, direct] = await Promise.all([runProcess('npx', ['--no', 'marionette', 'list-examples']), cli('list-examples')])
    expectExit(via_npx, 0)
    expect(via_npx.stdout).toBe(direct.stdout)
  })
})

describe('examples', () => {
  it('runs every example on its documented seed, one line each, and exits 0', async () => {
    const result = await cli('examples')
    expectExit(result, 0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        'retry-queue                    seed=12648430  passed',
        'retry-queue-bug                seed=12648430  caught by single_completion',
        'idempotency                    seed=12648430  passed',
        `idempotency-bug                seed=${IDEMPOTENCY_FAILING_SEED}  caught by every_deposit_applied_once`,
        'kv-store                       seed=12648430  passed',
        'kv-store-bug                   seed=12648430  caught by damaged_record_rejected',
        'replicated-register            seed=12648430  passed',
        'replicated-register-bug        seed=12648430  caught by committed_register_is_safe',
        'replicated-register-partition  seed=12648430  passed',
        'replicated-register-conflict   seed=12648430  passed',
        'replicated-register-swarm      seed=12648430  passed',
        `replicated-register-swarm-bug  seed=${REGISTER_SWARM_BUG_SEED}  caught by committed_register_is_safe`,
        'toy-sql-db                     seed=12648430  passed',
        'toy-sql-db-bug                 seed=12648430  caught by select_returns_inserted',
        'durable-broadcast              seed=12648430  passed',
        'durable-broadcast-bug          seed=12648430  caught by quorum_acknowledgements_are_durable',
        `durable-broadcast-bug-fuzz     seed=${DURABLE_BROADCAST_FUZZ_SEED}  caught by quorum_acknowledgements_are_durable`,
        '17 examples, all as expected',
        '',
      ].join('\n'),
    )
  })
})

describe('run-example exit codes', () => {
  it('exits 0 when a correct example passes', async () => {
    const result = await cli('run-example', 'retry-queue', '--seed', '12648430')
    expectExit(result, 0)
    expect(result.stdout).toBe('run retry-queue passed (seed 12648430)\n')
    expect(result.stderr).toBe('')
  })

  it('exits 1 when a run fails', async () => {
    const result = await cli('run-example', 'retry-queue-bug', '--seed', '12648430')
    expectExit(result, 1)
    expect(result.stdout).toBe('run retry-queue-bug failed (seed 12648430): check single_completion failed\n')
    expect(result.stderr).toBe('')
  })

  it('--expect-failure swaps them: a failing run exits 0', async () => {
    const result = await cli('run-example', 'retry-queue-bug', '--seed', '12648430', '--expect-failure')
    expectExit(result, 0)
    expect(result.stdout).toContain('failure expected: ok')
  })

  it('--expect-failure swaps them: a passing run exits 1', async () => {
    const result = await cli('run-example', 'retry-queue', '--expect-failure')
    expectExit(result, 1)
    expect(result.stdout).toContain('run retry-queue passed (seed 12648430)')
    expect(result.stdout).toContain('failure expected, but the run passed')
  })

  it('idempotency-bug: fails on its failing seed, passes on its passing seed', async () => {
    const [by_default, failing, failing_expected, passing_expected] = await Promise.all([
      cli('run-example', 'idempotency-bug'),
      cli('run-example', 'idempotency-bug', '--seed', IDEMPOTENCY_FAILING_SEED),
      cli('run-example', 'idempotency-bug', '--seed', IDEMPOTENCY_FAILING_SEED, '--expect-failure'),
      cli('run-example', 'idempotency-bug', '--seed', IDEMPOTENCY_PASSING_SEED, '--expect-failure'),
    ])
    expectExit(by_default, 1)
    expectExit(failing, 1)
    expect(failing.stdout).toContain('check every_deposit_applied_once failed')
    expectExit(failing_expected, 0)
    expectExit(passing_expected, 1)
    expect(passing_expected.stdout).toContain('failure expected, but the run passed')
  })
})

describe('run-example output', () => {
  it('--trace prints the whole trace, byte-identical across two processes and to an in-process run', async () => {
    const [first, second] = await Promise.all([
      cli('run-example', 'retry-queue-bug', '--seed', '12648430', '--trace'),
      cli('run-example', 'retry-queue-bug', '--seed', '12648430', '--trace'),
    ])
    expectExit(first, 1)
    expectExit(second, 1)
    expect(first.stdout.startsWith('run.name value=retry-queue-bug\n'), shown(first)).toBe(true)
    expect(first.stdout).toContain('queue.complete job=7 worker=1 accepted=true reason=stale_ack_bug')
    expect(lines(first.stdout)).toContain('event=3 queue.complete job=7 worker=1 accepted=true reason=stale_ack_bug completions=1')
    expect(first.stdout.endsWith('run retry-queue-bug failed (seed 12648430): check single_completion failed\n')).toBe(true)
    expect(first.stdout_bytes.equals(second.stdout_bytes), `two processes printed different bytes:${shown(first)}${shown(second)}`).toBe(true)

    // The trace printed is exactly the trace bytes of the same run in this process.
    const report = await findExample('retry-queue-bug')!.run({ seed: '12648430' })
    const trace = Buffer.from(report.trace)
    expect(first.stdout_bytes.subarray(0, trace.length).equals(trace)).toBe(true)
    expect(first.stdout_bytes.subarray(trace.length).toString('latin1')).toBe(report.headline() + '\n')
  })

  it('--summary prints the run report and the trace summary', async () => {
    const result = await cli('run-example', 'retry-queue-bug', '--seed', '12648430', '--summary')
    expectExit(result, 1)
    expect(result.stdout).toContain('  replay: identical\n')
    expect(result.stdout).toContain('  check failed: single_completion: job 7 was completed 2 times\n')
    expect(result.stdout).toContain('summary.run name=retry-queue-bug\n')
    expect(result.stdout).toMatch(/^summary\.events total=8 names=\d+$/m)
  })

  it('a hex seed gives byte-identical output to its decimal spelling', async () => {
    for (const name of ['retry-queue', 'retry-queue-bug', 'idempotency']) {
      const [decimal, hex] = await Promise.all([
        cli('run-example', name, '--seed', '12648430', '--trace', '--summary'),
        cli('run-example', name, '--seed', '0xC0FFEE', '--trace', '--summary'),
      ])
      expect(hex.code, shown(hex)).toBe(decimal.code)
      expect(hex.stdout_bytes.equals(decimal.stdout_bytes), `${shown(decimal)}${shown(hex)}`).toBe(true)
      expect(hex.stderr).toBe(decimal.stderr)
    }
  })

  it('a git-hash seed works, in either case', async () => {
    const [lower, upper] = await Promise.all([
      cli('run-example', 'retry-queue', '--seed', GIT_SEED, '--trace'),
      cli('run-example', 'retry-queue', '--seed', GIT_SEED.toUpperCase(), '--trace'),
    ])
    expectExit(lower, 0)
    expect(lower.stdout).toContain(`run.attribute key=seed type=text value=${GIT_SEED}\n`)
    expect(lower.stdout).toContain(`run retry-queue passed (seed ${GIT_SEED})\n`)
    expect(upper.stdout_bytes.equals(lower.stdout_bytes), `${shown(lower)}${shown(upper)}`).toBe(true)
  })

  it('the largest seeds work', async () => {
    const [decimal, hex] = await Promise.all([
      cli('run-example', 'retry-queue', '--seed', '18446744073709551615'),
      cli('run-example', 'retry-queue', '--seed', '0xFFFFFFFFFFFFFFFF'),
    ])
    expectExit(decimal, 0)
    expect(decimal.stdout).toBe('run retry-queue passed (seed 18446744073709551615)\n')
    expect(hex.stdout).toBe(decimal.stdout)
  })
})

describe('usage errors exit 2 with a helpful message on stderr', () => {
  const cases: Array<{ what: string; args: string[]; message: RegExp[] }> = [
    {
      what: 'unknown example (with a suggestion)',
      args: ['run-example', 'retry-queu'],
      message: [/unknown example "retry-queu" \(did you mean retry-queue\?\)/, /marionette list-examples/],
    },
    {
      what: 'unknown example (listing them all)',
      args: ['run-example', 'no-such-example'],
      message: [/unknown example "no-such-example"/, /retry-queue, retry-queue-bug, idempotency, idempotency-bug/],
    },
    { what: 'unknown flag', args: ['run-example', 'retry-queue', '--bogus'], message: [/Unknown option '--bogus'/] },
    { what: 'unknown flag of list-examples', args: ['list-examples', '--bogus'], message: [/Unknown option '--bogus'/] },
    { what: 'unknown flag of examples', args: ['examples', '--seed', '1'], message: [/Unknown option '--seed'/] },
    {
      what: 'seed with trailing junk',
      args: ['run-example', 'retry-queue', '--seed', '12x'],
      message: [/invalid seed "12x": not a recognised form/, /decimal unsigned 64-bit integer/, /0x-prefixed hexadecimal/, /git commit hash/],
    },
    { what: 'negative seed', args: ['run-example', 'retry-queue', '--seed=-1'], message: [/invalid seed "-1"/, /decimal unsigned 64-bit integer/] },
    // `--seed -1` reads as a missing value followed by a flag; node's parser says how to pass it.
    { what: 'negative seed as a separate argument', args: ['run-example', 'retry-queue', '--seed', '-1'], message: [/invalid seed "-1"/, /not a recognised form/] },
    {
      what: 'seed just above u64',
      args: ['run-example', 'retry-queue', '--seed', '18446744073709551616'],
      message: [/invalid seed "18446744073709551616": out of the unsigned 64-bit range \(at most 18446744073709551615\)/],
    },
    {
      what: 'hex seed with 17 digits',
      args: ['run-example', 'retry-queue', '--seed', '0x1' + '0'.repeat(16)],
      message: [/invalid seed "0x10000000000000000": hexadecimal seeds hold at most 16 digits/],
    },
    { what: 'empty seed', args: ['run-example', 'retry-queue', '--seed='], message: [/--seed needs a value/] },
    { what: 'seed flag without a value', args: ['run-example', 'retry-queue', '--seed'], message: [/--seed/, /argument missing/] },
    { what: 'git hash of 39 characters', args: ['run-example', 'retry-queue', '--seed', GIT_SEED.slice(1)], message: [/invalid seed/] },
    { what: 'unknown command (with a suggestion)', args: ['run-exmaple', 'retry-queue'], message: [/unknown command "run-exmaple" \(did you mean run-example\?\)/] },
    { what: 'unknown command', args: ['frobnicate'], message: [/unknown command "frobnicate"/] },
    {
      what: 'missing example name',
      args: ['run-example'],
      message: [/run-example needs an example name; one of: retry-queue, retry-queue-bug, idempotency, idempotency-bug/],
    },
    { what: 'two example names', args: ['run-example', 'retry-queue', 'idempotency'], message: [/run-example takes one example name/] },
  ]

  it.each(cases)('$what: $args', async ({ args, message }) => {
    const result = await cli(...args)
    expectExit(result, 2)
    expect(result.stdout, shown(result)).toBe('')
    expect(result.stderr.startsWith('marionette: '), shown(result)).toBe(true)
    for (const pattern of message) expect(result.stderr, shown(result)).toMatch(pattern)
    expect(result.stderr).toContain('Run `marionette help` for usage.')
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
  })

  it('no command at all prints the usage on stderr', async () => {
    const result = await cli()
    expectExit(result, 2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('usage: marionette <command> [options]')
  })
})

describe('help and version', () => {
  it('help prints the usage on stdout and exits 0', async () => {
    for (const spelling of ['help', '--help', '-h']) {
      const result = await cli(spelling)
      expectExit(result, 0)
      expect(result.stderr).toBe('')
      expect(result.stdout).toContain('usage: marionette <command> [options]')
      for (const command of ['run-example', 'list-examples', 'examples', 'help']) expect(result.stdout).toContain(command)
      for (const flag of ['--seed', '--summary', '--trace', '--expect-failure']) expect(result.stdout).toContain(flag)
    }
  })

  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const result = await cli('--version')
    expectExit(result, 0)
    expect(result.stdout).toBe(version + '\n')
    expect(result.stderr).toBe('')
  })
})
