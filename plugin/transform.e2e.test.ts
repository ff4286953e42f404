/**
 * The Vitest plugin end to end: a separate Vitest runs the fixture projects
 * under `fixtures/transform-app/` and `fixtures/transform-projects/` (which
 * load the built plugin, `dist/plugin/vitest.js`, as a user would), and this
 * file checks their output and exit codes. Needs `npm run build` first
 * (`npm test` does it).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const APP = 'fixtures/transform-app'
const PROJECTS = 'fixtures/transform-projects'

interface Result {
  readonly command: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** stdout and stderr, each as written (Vitest splits its report between them). */
  readonly stdout: string
  readonly stderr: string
  readonly output: string
  readonly ms: number
}

/** A clean environment for the child Vitest: none of this Vitest's worker variables, no colours. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'FORCE_COLOR' && key !== 'NODE_OPTIONS') env[key] = value
  }
  return { ...env, NO_COLOR: '1', CI: '1' }
}

function vitest(args: readonly string[]): Promise<Result> {
  const full = ['node_modules/vitest/vitest.mjs', ...args]
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, full, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8')
      resolve({ command: ['node', ...full].join(' '), code, signal, stdout, stderr, output: `${stdout}\n${stderr}`, ms: performance.now() - started })
    })
  })
}

function shown(result: Result, max_chars = 20_000): string {
  const clip = (text: string): string => (text.length > max_chars ? `${text.slice(0, max_chars)}\n... (${text.length - max_chars} more characters)\n` : text)
  return `\n$ ${result.command}\nexit code: ${result.code}${result.signal ? ` (signal ${result.signal})` : ''} after ${Math.round(result.ms)} ms\n--- stdout ---\n${clip(result.stdout)}--- stderr ---\n${clip(result.stderr)}`
}

beforeAll(() => {
  for (const file of ['dist/plugin/vitest.js', 'dist/src/platform/index.js', 'dist/src/index.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run npm run build first (npm test builds before it tests)`)
  }
})

describe('fixtures/transform-app', () => {
  it.each(['forks', 'threads'])('simulates the production module, its CommonJS dependency (and the file it requires), and leaves it real outside a simulation (--pool=%s)', async (pool) => {
    const result = await vitest(['run', '--root', APP, 'src/', `--pool=${pool}`])
    expect(result.code, shown(result)).toBe(0)
    expect(result.stdout, shown(result)).toMatch(/Tests\s+6 passed \(6\)/)
    // No plugin warnings: cjs-dep is installed, and there is one project.
    expect(result.output, shown(result)).not.toContain('[marionette-sim]')
  })

  it("keeps Vitest's own timeouts working in a transformed test file", async () => {
    const result = await vitest(['run', '--root', APP, 'failing/timeout.test.ts'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.output.match(/Error: Test timed out in 200ms\./g), shown(result)).toHaveLength(2)
    expect(result.stdout, shown(result)).toMatch(/Tests\s+2 failed \(2\)/)
  })

  it('fails a run in which a dependency outside `simulate` reads the real clock, naming the package and the fix', async () => {
    const result = await vitest(['run', '--root', APP, 'failing/leak.test.ts'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.output, shown(result)).toContain("determinism leak: Date.now was called inside a simulation by package 'leaky-dep', which the transform does not reach")
    expect(result.output, shown(result)).toContain("Fix: add 'leaky-dep' to marionette({ simulate: ['leaky-dep'] }) so its code uses the simulated platform")
  })

  it('reports an error thrown in a transformed file at its original file, line and column', async () => {
    const result = await vitest(['run', '--root', APP, 'failing/sourcemap.test.ts'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.output, shown(result)).toContain('Error: deadline yesterday passed')
    // src/throws.ts line 12 is `    throw new Error(...)`: TypeScript's interface and types above it are
    // stripped and the transform rewrote Date.now() on line 10, yet the position is the original one.
    expect(result.output, shown(result)).toContain('❯ checkDeadline src/throws.ts:12:11')
    expect(result.output, shown(result)).toContain('throw new Error(`deadline ${deadline.label} passed`)')
  })

  it("warns that Vitest's vm pools cannot load CommonJS packages listed in simulate", async () => {
    const result = await vitest(['run', '--root', APP, 'src/', '--pool=vmThreads'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.output, shown(result)).toContain(
      '[marionette-sim] the vmThreads pool cannot simulate the CommonJS packages "cjs-dep": its require() does not load ES modules, and the simulated platform is one, so they fail to load. Run this project in the forks (default) or threads pool.',
    )
  })

  it('reports a file it cannot parse with the file, line and column', async () => {
    const result = await vitest(['run', '--root', APP, 'failing/parse_error.test.ts'])
    expect(result.code, shown(result)).toBe(1)
    expect(result.output, shown(result)).toContain(`Error: [marionette-sim] cannot transform ${join(ROOT, APP, 'failing/broken.js')}:5:1: Unexpected token`)
    // Vite's code frame under it, pointing at the line.
    expect(result.output, shown(result)).toMatch(/\n5 +\| +}\n +\| +\^/)
  })
})

describe('fixtures/transform-projects', () => {
  it('warns about a test project that does not get the plugin, and about a simulate package that is not installed', async () => {
    const result = await vitest(['run', '--root', PROJECTS])
    expect(result.code, shown(result)).toBe(0)
    expect(result.output, shown(result)).toContain(
      '[marionette-sim] test project "plain" does not get the marionette-sim plugin, so its files run on the real clock, timers, randomness, disk and network even inside a simulation. ' +
        "Root-level plugins reach only projects declared with `extends: true`: add `extends: true` to the project in `test.projects`, or add marionette(...) to the project's own `plugins`.",
    )
    expect(result.output, shown(result)).toContain('[marionette-sim] simulate lists "not-installed-dep", which is not installed')
    expect(result.output, shown(result)).not.toContain('"simulated" does not get')
    // Each warning once, though the root config is loaded once per project.
    expect(result.output.split('test project "plain"').length - 1, shown(result)).toBe(1)
    expect(result.output.split('simulate lists').length - 1, shown(result)).toBe(1)
  })

  it('warns when the plugin is only in the root config and no project extends it', async () => {
    const result = await vitest(['run', '--root', PROJECTS, '--config', 'vitest.root-only.config.ts'])
    expect(result.code, shown(result)).toBe(0)
    expect(result.output, shown(result)).toContain(
      '[marionette-sim] the marionette-sim plugin is in the root config, but no test project in this run gets it (projects without it: "first", "second"), so none of their files are simulated.',
    )
  })
})
