/**
 * `node --import marionette-sim/register`: plain TypeScript scripts
 * (`fixtures/register-app/`) run with the transform applied, so inside a
 * simulation their globals are the simulated ones, and outside it the real ones.
 * The scripts run as separate processes on the build (`dist/plugin/register.js`,
 * `dist/src/`): needs `npm run build` first (`npm test` does it).
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_EPOCH_MS } from '../src/world/clock.js'
import { Random } from '../src/world/random.js'
import { parseSeed } from '../src/world/seed.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const REGISTER = join(ROOT, 'dist/plugin/register.js')
const APP = join(ROOT, 'fixtures/register-app')

interface Result {
  readonly command: string
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `node ...args` in `cwd`, without this process's marionette configuration. */
function node(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  for (const key of ['MARIONETTE_INCLUDE', 'MARIONETTE_SIMULATE', 'NODE_OPTIONS']) if (options.env?.[key] === undefined) delete env[key]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ command: ['node', ...args].join(' '), code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    )
  })
}

function shown(result: Result): string {
  return `\n$ ${result.command}\nexit code: ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`
}

/** `sim date_now=1` lines as a map from `sim date_now` to `1`. */
function values(stdout: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const match = /^(sim|real) (\w+)=(.*)$/.exec(line)
    if (match !== null) map.set(`${match[1]} ${match[2]}`, match[3] as string)
  }
  return map
}

beforeAll(() => {
  if (!existsSync(REGISTER)) throw new Error(`${REGISTER} is missing: run npm run build first (npm test builds before it tests)`)
})

describe('node --import marionette-sim/register', () => {
  it('runs a TypeScript script on simulated time and randomness inside run(), on the real ones outside', async () => {
    const started_ms = Date.now()
    const result = await node(['--import', REGISTER, 'fixtures/register-app/app.ts'])
    expect(result.code, shown(result)).toBe(0)
    expect(result.stderr, shown(result)).toBe('')
    const seen = values(result.stdout)

    // Inside the simulation: the simulated clock from its epoch, 1500 ms of virtual time
    // that passed at once, and Math.random() drawing from the run's 'env' stream.
    const first_draw = new Random(parseSeed('12648430'), 'env').float64()
    expect(Object.fromEntries([...seen].filter(([key]) => key.startsWith('sim ')))).toEqual({
      'sim date_now': String(DEFAULT_EPOCH_MS),
      'sim math_random': String(first_draw),
      'sim elapsed_ms': '1500',
      // legacy.cjs, loaded with require(), is transformed too.
      'sim legacy_stamp': String(DEFAULT_EPOCH_MS + 1500),
      'sim iso': new Date(DEFAULT_EPOCH_MS + 1500).toISOString(),
      'sim outcome': 'passed replay=identical',
    })

    // The same functions after the run: the real clock, a real 200 ms wait, real randomness.
    const real_now = Number(seen.get('real date_now'))
    expect(real_now).toBeGreaterThanOrEqual(started_ms)
    expect(real_now).toBeLessThanOrEqual(Date.now())
    expect(Number(seen.get('real elapsed_ms'))).toBeGreaterThanOrEqual(190)
    expect(Number(seen.get('real legacy_stamp'))).toBeGreaterThanOrEqual(real_now + 190)
    const real_random = Number(seen.get('real math_random'))
    expect(real_random >= 0 && real_random < 1 && real_random !== first_draw).toBe(true)
  })

  it('resolves by the package name, as users write it', async () => {
    const result = await node(['--import', 'marionette-sim/register', 'fixtures/register-app/date_in_sim.ts'])
    expect(result.code, shown(result)).toBe(0)
    expect(result.stdout).toBe('simulated outcome=passed\n')
  })

  it('reports the original .ts line and column of an error with --enable-source-maps', async () => {
    const file = join(APP, 'throws.ts')
    const lines = readFileSync(file, 'utf8').split('\n')
    const throw_line = lines.findIndex((line) => line.includes('throw new RangeError'))
    const call_line = lines.findIndex((line) => line.startsWith('check('))
    const throw_at = `${file}:${throw_line + 1}:${(lines[throw_line] as string).indexOf('new RangeError') + 1}`

    const mapped = await node(['--enable-source-maps', '--import', REGISTER, 'fixtures/register-app/throws.ts'])
    expect(mapped.code, shown(mapped)).toBe(1)
    expect(mapped.stderr, shown(mapped)).toContain('RangeError: over budget by 0 ms')
    expect(mapped.stderr, shown(mapped)).toContain(`at check (${throw_at})`)
    expect(mapped.stderr, shown(mapped)).toContain(`(${file}:${call_line + 1}:1)`)

    // Without the flag, the position is in the code that ran (types stripped, reprinted): the map is what gets it right.
    const unmapped = await node(['--import', REGISTER, 'fixtures/register-app/throws.ts'])
    expect(unmapped.code, shown(unmapped)).toBe(1)
    expect(unmapped.stderr, shown(unmapped)).not.toContain(throw_at)
  })

  describe('which files run under simulation', () => {
    const date_in_sim = 'fixtures/register-app/date_in_sim.ts'

    it('by default every file outside node_modules; MARIONETTE_INCLUDE narrows it', async () => {
      const all = await node(['--import', REGISTER, date_in_sim])
      expect(all.stdout, shown(all)).toBe('simulated outcome=passed\n')
      // Not included: the file keeps the real Date.now, which the simulation reports as a leak.
      const other = await node(['--import', REGISTER, date_in_sim], { env: { MARIONETTE_INCLUDE: 'fixtures/register-app/timing.ts' } })
      expect(other.stdout, shown(other)).toBe('real outcome=error\n')
      const listed = await node(['--import', REGISTER, date_in_sim], { env: { MARIONETTE_INCLUDE: 'src/**, fixtures/register-app/*.ts' } })
      expect(listed.stdout, shown(listed)).toBe('simulated outcome=passed\n')
    })

    it("reads the nearest package.json's marionette field; MARIONETTE_INCLUDE overrides it", async () => {
      const cwd = join(APP, 'configured')
      const run = async (file: string, env: NodeJS.ProcessEnv = {}): Promise<string> => {
        const result = await node(['--import', REGISTER, file], { cwd, env })
        expect(result.code, shown(result)).toBe(0)
        return result.stdout
      }
      // "marionette": { "include": ["sim/**"] }
      expect(await run('sim/date.ts')).toBe('sim/date.ts simulated outcome=passed\n')
      expect(await run('plain/date.ts')).toBe('plain/date.ts real outcome=error\n')
      expect(await run('sim/date.ts', { MARIONETTE_INCLUDE: 'plain/**' })).toBe('sim/date.ts real outcome=error\n')
      expect(await run('plain/date.ts', { MARIONETTE_INCLUDE: 'plain/**' })).toBe('plain/date.ts simulated outcome=passed\n')
    })
  })
})
