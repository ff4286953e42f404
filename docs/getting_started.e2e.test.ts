/**
 * docs/getting-started.md, run as written: its `ts` blocks that start with
 * `// <path>` are the files of a project (a later block for the same path is
 * the fix). The project is built in a temporary folder whose node_modules
 * links `marionette-sim` to this repository (as `npm install` would give it)
 * and Vitest runs there as a user would run it. Needs `npm run build`.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeBlocks, ROOT } from './snippets.js'

const PAGE = 'docs/getting-started.md'
let project = ''

interface Result {
  readonly code: number | null
  readonly output: string
}

function vitest(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && !key.startsWith('MARIONETTE_') && key !== 'FORCE_COLOR' && key !== 'NODE_OPTIONS') clean[key] = value
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', ...args], {
      cwd: project,
      env: { ...clean, NO_COLOR: '1', CI: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }))
  })
}

/** The page's project files, in order: [path, source] (a path may come twice: the bug, then the fix). */
function projectFiles(): [string, string][] {
  const files: [string, string][] = []
  for (const block of codeBlocks(PAGE)) {
    const path = /^\/\/ ([\w./-]+\.ts)\n/.exec(block.body)?.[1]
    if (block.lang === 'ts' && path !== undefined) files.push([path, block.body])
  }
  return files
}

function write(path: string, source: string): void {
  mkdirSync(dirname(join(project, path)), { recursive: true })
  writeFileSync(join(project, path), source)
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/plugin/vitest.js'))) throw new Error('dist/ is missing: run npm run build first (npm test builds before it tests)')
  project = mkdtempSync(join(tmpdir(), 'marionette-getting-started-'))
  mkdirSync(join(project, 'node_modules'))
  symlinkSync(ROOT, join(project, 'node_modules/marionette-sim'), 'dir')
  symlinkSync(join(ROOT, 'node_modules/vitest'), join(project, 'node_modules/vitest'), 'dir')
  writeFileSync(join(project, 'package.json'), '{ "name": "bank", "private": true, "type": "module" }\n')
})

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true })
})

describe(PAGE, () => {
  it('catches the bug, replays the first failing seed byte for byte, and checks the remembered seeds first after the fix', async () => {
    const files = projectFiles()
    expect(files.map(([path]) => path)).toEqual(['vitest.config.ts', 'src/bank.ts', 'src/bank.test.ts', 'src/bank.ts'])
    for (const [path, source] of files.slice(0, 3)) write(path, source)

    // 4. The bug is caught.
    const caught = await vitest([])
    expect(caught.code, caught.output).toBe(1)
    const failing = /(\d+) of 50 seeds failed \(([\d, ]+)\); first: run a_retried_transfer_moves_the_money_once failed \(seed (\d+)\): check alice paid exactly once failed/.exec(caught.output)
    expect(failing, caught.output).not.toBeNull()
    expect(caught.output).toContain('check failed: alice paid exactly once: alice has 40')
    const seed = failing![3]!
    const line = caught.output.split('\n').find((text) => text.startsWith('replay: '))
    expect(line).toBe(`replay: MARIONETTE_REPLAY_SEED=${seed} npx vitest run src/bank.test.ts -t "^a retried transfer moves the money once\\$"`)
    const traces = join(project, '.marionette/traces')
    const trace_name = `a_retried_transfer_moves_the_money_once-${seed}.trace`
    expect(readdirSync(traces)).toEqual([trace_name])
    const first_trace = readFileSync(join(traces, trace_name))

    // The failing seeds are remembered (at most 16 per test: the latest).
    const remembered = JSON.parse(readFileSync(join(project, '.marionette/failures.json'), 'utf8')).tests
    expect(remembered['src/bank.test.ts > a retried transfer moves the money once']).toEqual(failing![2]!.split(', ').slice(-16))

    // 5. The replay line, as printed, reproduces that seed's trace byte for byte.
    rmSync(traces, { recursive: true })
    const replayed = await vitest(['src/bank.test.ts', '-t', '^a retried transfer moves the money once$'], { MARIONETTE_REPLAY_SEED: seed })
    expect(replayed.code, replayed.output).toBe(1)
    expect(replayed.output).toContain(`1 of 1 seeds failed (${seed})`)
    expect(readFileSync(join(traces, trace_name)).equals(first_trace)).toBe(true)

    // 6. The fix passes; the remembered seeds ran first and are forgotten.
    write(files[3]![0], files[3]![1])
    const fixed = await vitest(['--reporter=json', '--outputFile.json=report.json'])
    expect(fixed.code, fixed.output).toBe(0)
    const report = JSON.parse(readFileSync(join(project, 'report.json'), 'utf8'))
    const meta = report.testResults[0].assertionResults[0].meta
    const swept = meta.marionette_fuzz.seeds_run as string[]
    // Remembered seeds that are also in this run's sweep run there; the memory is empty afterwards.
    expect(meta.marionette_memory.passed).toEqual(expect.arrayContaining(failing![2]!.split(', ')))
    expect(meta.marionette_memory.failed).toEqual([])
    expect(swept).toHaveLength(50)
    expect(JSON.parse(readFileSync(join(project, '.marionette/failures.json'), 'utf8')).tests).toEqual({})
  })
})
