#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Example } from '../../examples/index.js'
import { loadExamples } from './examples_loader.js'
import type { RunReport } from '../run/report.js'
import { didYouMean } from './did_you_mean.js'
import { TidyUsageError } from '../tidy/usage_error.js'
import { TestUsageError } from './test_command.js'
import { summarize } from '../trace/summary.js'
import { InvalidSeed, parseSeed } from '../world/seed.js'

/** Exit codes: 0 as expected, 1 not as expected, 2 usage error. */
const EXIT_OK = 0
const EXIT_FAILED = 1
const EXIT_USAGE = 2

const USAGE = `usage: marionette <command> [options]

commands:
  run-example <name> [--seed <n>] [--summary] [--trace] [--expect-failure]
                      run one bundled example (twice, comparing traces)
  list-examples       list the bundled examples
  examples            run every example on its documented seed, one line each
  tidy [paths...] [--simulate <pkg>] [--ban <rule>] [--allow <rule>] [--json] [--rules]
                      report what the transform cannot redirect (eval, computed globals, WeakRef,
                      Atomics.wait, threads, native addons) with file:line; exit 1 on findings
  test [vitest arguments] [--seed <n>]
                      run Vitest (once, unless --watch) with this run seed for test.sim cases
                      (also MARIONETTE_SEED); every other argument goes to Vitest
  help                show this help

options of run-example:
  --seed <n>          a decimal u64, 0x hex u64, or 40-character git hash (default: the example's seed)
  --summary           print the run report and a summary of its trace
  --trace             print the whole trace
  --expect-failure    exit 0 when the run fails (for the deliberately buggy variants), 1 when it passes

options of tidy:
  paths               files or directories to check (default: src); node_modules and dist are skipped
  --simulate <pkg>    also audit a dependency from node_modules (repeatable)
  --ban <rule>        report a rule, also one that is off by default (repeatable)
  --allow <rule>      do not report a rule (repeatable)
  --json              print the findings as JSON
  --rules             list the rules with their reasons and fixes
  package.json "marionette": { "tidy": { "ban": [], "allow": [], "simulate": [] } } sets defaults; flags win
`

type Examples = Awaited<ReturnType<typeof loadExamples>>

class UsageError extends Error {
  override name = 'UsageError'
}

interface Output {
  out(text: string): void
  err(text: string): void
}

function requireExample({ examples, findExample }: Examples, name: string | undefined): Example {
  if (name === undefined) {
    throw new UsageError(`run-example needs an example name; one of: ${examples.map((e) => e.name).join(', ')}`)
  }
  const example = findExample(name)
  if (example === undefined) {
    const suggestion = didYouMean(name, examples.map((e) => e.name))
    throw new UsageError(
      `unknown example ${JSON.stringify(name)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; ` +
        `run \`marionette list-examples\` to see them all: ${examples.map((e) => e.name).join(', ')}`,
    )
  }
  return example
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''))
  }
}

/** `--seed -1` would read as a flag; join it so the seed parser explains what is wrong with it. */
function joinSeedValue(args: string[]): string[] {
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1]
    if (args[i] === '--seed' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`--seed=${next}`)
      i++
    } else {
      joined.push(args[i] as string)
    }
  }
  return joined
}

async function runExample(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parse(joinSeedValue(args), {
    seed: { type: 'string' },
    summary: { type: 'boolean' },
    trace: { type: 'boolean' },
    'expect-failure': { type: 'boolean' },
  })
  if (positionals.length > 1) throw new UsageError(`run-example takes one example name, got: ${positionals.join(' ')}`)
  const example = requireExample(await loadExamples(), positionals[0])
  const seed_text = typeof values.seed === 'string' ? values.seed : example.default_seed
  if (values.seed === '') throw new UsageError('--seed needs a value')
  const seed = parseSeed(seed_text)
  const report = await example.run({ seed })
  const expect_failure = values['expect-failure'] === true
  printReport(report, io, { summary: values.summary === true, trace: values.trace === true })
  const as_expected = expect_failure ? !report.passed && report.outcome !== 'nondeterministic' : report.passed
  if (expect_failure) {
    io.out(as_expected ? 'failure expected: ok\n' : 'failure expected, but the run passed\n')
  }
  return as_expected ? EXIT_OK : EXIT_FAILED
}

function printReport(report: RunReport, io: Output, show: { summary: boolean; trace: boolean }): void {
  if (show.trace) io.out(report.traceText())
  if (show.summary) {
    io.out(report.writeSummary())
    io.out(summarize(report.trace).writeSummary())
  } else {
    io.out(report.headline() + '\n')
  }
}

async function listExamples(args: string[], io: Output): Promise<number> {
  parse(args, {})
  const { examples } = await loadExamples()
  const width = Math.max(...examples.map((e) => e.name.length))
  for (const example of examples) {
    io.out(`${example.name.padEnd(width)}  ${example.expect === 'fail' ? 'buggy  ' : 'correct'}  seed ${example.default_seed}  ${example.description}\n`)
  }
  return EXIT_OK
}

async function runAll(args: string[], io: Output): Promise<number> {
  parse(args, {})
  const { examples } = await loadExamples()
  const width = Math.max(...examples.map((e) => e.name.length))
  let unexpected = 0
  for (const example of examples) {
    const report = await example.run({ seed: example.default_seed })
    let verdict: string
    if (example.expect === 'pass') {
      verdict = report.passed ? 'passed' : `FAILED (${report.headline()})`
      if (!report.passed) unexpected++
    } else {
      const caught = report.outcome === 'check_failed' && report.failedCheck(example.catching_check ?? '')
      verdict = caught ? `caught by ${example.catching_check}` : `NOT CAUGHT (${report.headline()})`
      if (!caught) unexpected++
    }
    io.out(`${example.name.padEnd(width)}  seed=${example.default_seed}  ${verdict}\n`)
  }
  io.out(unexpected === 0 ? `${examples.length} examples, all as expected\n` : `${unexpected} of ${examples.length} examples NOT as expected\n`)
  return unexpected === 0 ? EXIT_OK : EXIT_FAILED
}

function version(): string {
  const url = new URL('../../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}

/** Runs the CLI with `args` (without `node` and the script); returns the exit code. */
export async function main(args: string[], io: Output): Promise<number> {
  const [command, ...rest] = args
  try {
    switch (command) {
      case 'run-example':
        return await runExample(rest, io)
      case 'list-examples':
        return await listExamples(rest, io)
      case 'examples':
        return await runAll(rest, io)
      case 'test': {
        const { runTestCommand } = await import('./test_command.js')
        return await runTestCommand(rest, io)
      }
      case 'tidy': {
        // Loaded on demand: the parser is a native module the other commands do not need.
        const { tidyCommand } = await import('../tidy/command.js')
        return tidyCommand(rest, io)
      }
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE)
        return EXIT_OK
      case '--version':
        io.out(version() + '\n')
        return EXIT_OK
      case undefined:
        io.err(USAGE)
        return EXIT_USAGE
      default: {
        const suggestion = didYouMean(command, ['run-example', 'list-examples', 'examples', 'test', 'tidy', 'help'])
        throw new UsageError(`unknown command ${JSON.stringify(command)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`)
      }
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidSeed || error instanceof TidyUsageError || error instanceof TestUsageError) {
      io.err(`marionette: ${error.message}\nRun \`marionette help\` for usage.\n`)
      return EXIT_USAGE
    }
    throw error
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
  const io: Output = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) }
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`marionette: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = EXIT_FAILED
    },
  )
}
