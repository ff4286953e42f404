/**
 * Determinism across processes and Vitest pools: the same seed gives the same
 * trace bytes (and outcome) in this process, in two separate `node` processes,
 * and under Vitest's `threads` and `forks` pools; seeds 0..199 of every example,
 * plus large, hex and git-hash seeds for the two processes.
 *
 * The examples are plain code (`setTimeout`, `Math.random()`, `process.hrtime`)
 * and run transformed everywhere: the child processes load the built examples
 * (`dist/examples/index.js`) through the Node hooks (`node --import
 * dist/plugin/register.js`), the pool fixture (`fixtures/determinism/`) through
 * the Vitest plugin, and this process the sources through the root config's
 * plugin; so the test also shows that tsc's output, the Node hooks and the Vite
 * plugin agree. Needs `npm run build` first (`npm test` does it).
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { examples } from './index.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BUILT_EXAMPLES = join(ROOT, 'dist/examples/index.js')
const REGISTER = join(ROOT, 'dist/plugin/register.js')
const FIXTURE = 'fixtures/determinism'
const SEED_COUNT = 200

const COUNTED_SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => String(i))
const EXTRA_SEEDS = [
  '12648430',
  '0xC0FFEE',
  '0xffffffffffffffff',
  '18446744073709551615',
  '9223372036854775808',
  '3f786850e387550fdab836ed7e6dc881de23001b',
  '0000000000000000000000000000000000000000',
  'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF',
]

interface Result {
  readonly command: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

function runProcess(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) =>
      resolve({
        command: ['node', ...args].join(' '),
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    )
  })
}

function shown(result: Result, max_chars = 20_000): string {
  const clip = (text: string): string => (text.length > max_chars ? `${text.slice(0, max_chars)}\n... (${text.length - max_chars} more characters)\n` : text)
  return `\n$ ${result.command}\nexit code: ${result.code}${result.signal ? ` (signal ${result.signal})` : ''}\n--- stdout ---\n${clip(result.stdout)}--- stderr ---\n${clip(result.stderr)}`
}

const STALE_HINT = 'if src/ or examples/ changed since the last build, run npm run build'

interface RunRecord {
  example: string
  seed: string
  sha256: string
  outcome: string
  replay: string
  bytes: number
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** One line per (example, seed), in `examples` order then seed order. */
function formatLines(records: readonly RunRecord[]): string {
  return records.map((r) => `${r.example} seed=${r.seed} sha256=${r.sha256} outcome=${r.outcome} replay=${r.replay} bytes=${r.bytes}\n`).join('')
}

/** The computation the child processes and the pool fixture do, here in the test process (from the sources). */
async function computeInProcess(seeds: readonly string[]): Promise<RunRecord[]> {
  const records: RunRecord[] = []
  for (const example of examples) {
    for (const seed of seeds) {
      const report = await example.run({ seed })
      records.push({ example: example.name, seed, sha256: sha256(report.trace), outcome: report.outcome, replay: report.replay, bytes: report.trace.byteLength })
    }
  }
  return records
}

/** The same computation as a child process script (plain JS; argv: examples module URL, seeds as JSON). */
const CHILD_SCRIPT = `
import { createHash } from 'node:crypto'
const [examples_url, seeds_json] = process.argv.slice(1)
const { examples } = await import(examples_url)
const seeds = JSON.parse(seeds_json)
let out = ''
for (const example of examples) {
  for (const seed of seeds) {
    const report = await example.run({ seed })
    const sha256 = createHash('sha256').update(report.trace).digest('hex')
    out += example.name + ' seed=' + seed + ' sha256=' + sha256 + ' outcome=' + report.outcome +
      ' replay=' + report.replay + ' bytes=' + report.trace.byteLength + '\\n'
  }
}
process.stdout.write(out)
`

/** The child runs the built examples under the Node hooks, which transform exactly dist/examples/. */
function childProcess(seeds: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> {
  const args = ['--import', pathToFileURL(REGISTER).href, '--input-type=module', '-e', CHILD_SCRIPT, pathToFileURL(BUILT_EXAMPLES).href, JSON.stringify(seeds)]
  return runProcess(args, { ...env, MARIONETTE_INCLUDE: 'dist/examples/**', MARIONETTE_SIMULATE: '' })
}

beforeAll(() => {
  if (!existsSync(BUILT_EXAMPLES) || !existsSync(REGISTER) || !existsSync(join(ROOT, 'dist/src/cli/main.js'))) {
    throw new Error(`${BUILT_EXAMPLES} is missing: run npm run build first (npm test builds before it tests)`)
  }
})

describe('two separate processes', () => {
  const seeds = [...COUNTED_SEEDS, ...EXTRA_SEEDS]

  it(`give byte-identical traces for seeds 0..${SEED_COUNT - 1} and ${EXTRA_SEEDS.length} more of every example`, async () => {
    // Different time zones and locales: nothing in a run may depend on them.
    const [first, second] = await Promise.all([
      childProcess(seeds, { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }),
      childProcess(seeds, { ...process.env, TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' }),
    ])
    expect(first.code, shown(first)).toBe(0)
    expect(second.code, shown(second)).toBe(0)
    expect(first.stdout.split('\n').length - 1).toBe(examples.length * seeds.length)
    expect(second.stdout, 'the two processes disagree').toBe(first.stdout)

    const here = await computeInProcess(seeds)
    expect(first.stdout, `the child processes (dist/) disagree with this process (sources); ${STALE_HINT}`).toBe(formatLines(here))
    expect(here.filter((r) => r.replay !== 'identical')).toEqual([])
  })
})

describe('Vitest pools', () => {
  let out_dir = ''
  const results = new Map<string, RunRecord[]>()
  let expected: RunRecord[] | undefined

  beforeAll(() => {
    out_dir = mkdtempSync(join(tmpdir(), 'marionette-determinism-'))
  })
  afterAll(() => {
    if (out_dir !== '') rmSync(out_dir, { recursive: true, force: true })
  })

  async function inProcess(): Promise<RunRecord[]> {
    expected ??= await computeInProcess(COUNTED_SEEDS)
    return expected
  }

  /** Child Vitest gets a clean environment: none of this Vitest's worker variables, no colours. */
  function childEnv(out_file: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {}
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('VITEST') && key !== 'FORCE_COLOR') env[key] = value
    }
    return { ...env, NO_COLOR: '1', MARIONETTE_DETERMINISM_OUT: out_file }
  }

  interface WorkerLine {
    file: string
    pid: number
    thread_id: number
    main_thread: boolean
    pool_id: string | null
  }

  it.each(['threads', 'forks'] as const)('--pool=%s gives the same trace bytes as this process', async (pool) => {
    const out_file = join(out_dir, `${pool}.jsonl`)
    const result = await runProcess(['node_modules/vitest/vitest.mjs', 'run', '--root', FIXTURE, `--pool=${pool}`], childEnv(out_file))
    expect(result.code, shown(result)).toBe(0)
    expect(existsSync(out_file), `the fixture wrote no ${out_file}${shown(result)}`).toBe(true)

    const records: RunRecord[] = []
    const workers: WorkerLine[] = []
    for (const line of readFileSync(out_file, 'utf8').split('\n')) {
      if (line === '') continue
      const parsed = JSON.parse(line) as RunRecord | { worker: WorkerLine }
      if ('worker' in parsed) workers.push(parsed.worker)
      else records.push(parsed)
    }

    // The pool really spread the files over several workers, of the kind asked for.
    expect(workers.length, shown(result)).toBeGreaterThanOrEqual(2)
    expect(new Set(workers.map((w) => w.pool_id)).size, JSON.stringify(workers)).toBeGreaterThanOrEqual(2)
    if (pool === 'threads') {
      // Worker threads of one process.
      expect(workers.every((w) => !w.main_thread && w.pid === workers[0]?.pid), JSON.stringify(workers)).toBe(true)
    } else {
      // Child processes, one per file.
      expect(workers.every((w) => w.main_thread), JSON.stringify(workers)).toBe(true)
      expect(new Set(workers.map((w) => w.pid)).size, JSON.stringify(workers)).toBe(workers.length)
    }

    // Records arrive in whatever order the workers finished: sort into examples order, then seed order.
    const order = new Map(examples.map((ex, i) => [ex.name, i]))
    records.sort((a, b) => (order.get(a.example) ?? -1) - (order.get(b.example) ?? -1) || Number(a.seed) - Number(b.seed))
    expect(formatLines(records), `--pool=${pool} disagrees with this process; ${STALE_HINT}`).toBe(formatLines(await inProcess()))
    results.set(pool, records)
  })

  it('threads and forks agree with each other', () => {
    const threads = results.get('threads')
    const forks = results.get('forks')
    if (threads === undefined || forks === undefined) throw new Error('a pool run above failed; see its error')
    expect(formatLines(forks)).toBe(formatLines(threads))
    expect(threads).toHaveLength(examples.length * SEED_COUNT)
  })

  it("the root project's vitest run does not pick up the fixture's test files", async () => {
    const result = await runProcess(['node_modules/vitest/vitest.mjs', 'list', '--filesOnly'], childEnv(join(out_dir, 'unused.jsonl')))
    expect(result.code, shown(result)).toBe(0)
    expect(result.stdout, shown(result)).toContain('examples/determinism.e2e.test.ts')
    expect(result.stdout, shown(result)).not.toContain('fixtures/')
    expect(existsSync(join(ROOT, FIXTURE, 'determinism.test.ts'))).toBe(true)
  })
})
