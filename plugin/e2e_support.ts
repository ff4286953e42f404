/**
 * Running a separate Node (a Vitest on a fixture project, the CLI) from an
 * end-to-end test: a clean environment, captured output, a time limit, and a
 * failure text that shows the command to rerun by hand. Dev-only: used by
 * `*.e2e.test.ts` files, never by the plugin.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface ChildResult {
  /** The command as a shell line, to rerun by hand. */
  readonly command: string
  /** The exit code, or null when the child was killed (by its time limit or a signal). */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly output: string
}

/**
 * A clean environment for the child: none of this Vitest's worker variables, no colours, no
 * marionette seeds or GitHub Actions variables unless given.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VITEST') || key.startsWith('MARIONETTE_') || key.startsWith('GITHUB_')) continue
    if (key === 'FORCE_COLOR' || key === 'NODE_OPTIONS') continue
    env[key] = value
  }
  return { ...env, NO_COLOR: '1', CI: '1', ...extra }
}

/** Runs `node <args>` in `cwd`; resolves with its output whatever its exit code, and kills it past `timeout_ms`. */
export function runNode(cwd: string, args: readonly string[], extra_env: Record<string, string> = {}, timeout_ms = 120_000): Promise<ChildResult> {
  if (!(timeout_ms > 0)) throw new Error(`timeout_ms must be positive, got ${timeout_ms}`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv(extra_env), stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timed_out = false
    const timer = setTimeout(() => {
      timed_out = true
      child.kill('SIGKILL')
    }, timeout_ms)
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8') + (timed_out ? `\n[killed after ${timeout_ms} ms]\n` : '')
      const env_text = Object.entries(extra_env).map(([key, value]) => `${key}=${value} `).join('')
      resolve({ command: `(cd ${cwd} && ${env_text}node ${args.join(' ')})`, code, stdout, stderr, output: `${stdout}\n${stderr}` })
    })
  })
}

/** The child's command, exit code and output, as an assertion message. */
export function shown(result: ChildResult): string {
  return `\n$ ${result.command}\nexit code: ${result.code}\n--- stdout ---\n${result.stdout.slice(0, 20_000)}--- stderr ---\n${result.stderr.slice(0, 20_000)}`
}

/** Throws unless the build the fixtures load exists (`npm test` builds before it tests). */
export function requireBuild(root: string, files: readonly string[]): void {
  for (const file of files) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run npm run build first (npm test builds before it tests)`)
  }
}
