/**
 * A failed `test.sim` in Vitest's HTML report, as a user sees it in a real
 * browser: a separate Vitest runs `fixtures/vitest-report/src/runaway.test.ts`
 * (two runaway simulations that fail by their budgets) with the `html`
 * reporter into a fresh folder, which is served on loopback and opened in
 * headless Chromium (Debian's `/usr/bin/chromium`, driven by playwright-core).
 * Needs `npm run build` first (`npm test` does it).
 *
 * What Vitest 4.1's report shows of a failure (checked below): the error
 * (summary, last trace events, `replay:` line), the annotation (its type, its
 * message with the seed, a Download link to the whole trace) and `task.meta`.
 * It does not render custom artifacts: the `marionette:trace` artifact's file
 * is copied into the report's `data/` folder but nothing links to it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { requireBuild, runNode, shown } from './e2e_support.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const APP = join(ROOT, 'fixtures/vitest-report')
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs')
const CHROMIUM = '/usr/bin/chromium'
// Flags this machine's Chromium needs to start headless in a container, and to stay off the network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const SCREENSHOT = join(tmpdir(), 'html_report.png')
const STEP_TIMEOUT_MS = 30_000

/** The failed tests of the fixture file and a line of the trace each one's failure must show. */
const FAILED = [
  { name: 'a busy loop of immediates is stopped by the step budget', event: 'event=0 loop.budget_exceeded budget=max_steps now_ns=0' },
  { name: 'an interval that never lets the test end is stopped by the time budget', event: 'event=0 loop.budget_exceeded budget=max_time now_ns=3600000000000' },
] as const

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  // The report fetches its data gzipped and inflates it itself: no Content-Encoding.
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.trace': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

/** Serves the files under `folder` (GET only, nothing outside it) on an ephemeral loopback port. */
async function serve(folder: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
    const file = normalize(join(folder, pathname === '/' ? 'index.html' : pathname))
    if (request.method !== 'GET' || !file.startsWith(folder + sep)) {
      response.writeHead(request.method === 'GET' ? 403 : 405).end()
      return
    }
    readFile(file).then(
      (bytes) => response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(bytes),
      () => response.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}/index.html` }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** CI=true and the like; CI=false or CI=0 mean a developer machine. */
function onCi(): boolean {
  const value = process.env['CI']
  return value !== undefined && value !== '' && value !== 'false' && value !== '0'
}

beforeAll(() => {
  requireBuild(ROOT, ['dist/plugin/vitest.js', 'dist/src/platform/index.js'])
})

describe('the HTML report of failed simulated tests', () => {
  it('shows each failure with its seed, trace events and replay line, and downloads the whole trace from the annotation', { timeout: 120_000 }, async (context) => {
    if (!existsSync(CHROMIUM)) {
      if (onCi()) throw new Error(`${CHROMIUM} is missing: .ci/run should have installed chromium (apt-get install chromium) before npm test`)
      context.skip(`${CHROMIUM} is missing: install Debian's chromium package to run the HTML report check`)
    }
    const folder = mkdtempSync(join(tmpdir(), 'marionette-html-report-'))
    const report_folder = join(folder, 'report')
    let browser: Browser | undefined
    let server: Server | undefined
    try {
      // A fresh attachments folder: the report's data/ then holds this run's files only.
      const result = await runNode(APP, [VITEST, 'run', 'src/runaway.test.ts', '--reporter=default', '--reporter=html', `--outputFile.html=${join(report_folder, 'index.html')}`, `--attachmentsDir=${join(folder, 'attachments')}`], {}, 90_000)
      expect(result.code, shown(result)).toBe(1)
      expect(result.stdout, shown(result)).toMatch(/Tests\s+2 failed \(2\)/)
      expect(existsSync(join(report_folder, 'index.html')), shown(result)).toBe(true)

      const served = await serve(report_folder)
      server = served.server
      // launch() starts Chromium with a fresh temporary profile, removed by close().
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT_MS })
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })
      page.setDefaultTimeout(STEP_TIMEOUT_MS)
      // Loopback only: the report links Google Fonts, which it does without.
      await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()))
      await page.goto(served.url)

      // The HTML reporter copies the attachments folder (the artifacts' trace files) to data/.
      const data_folder = join(report_folder, 'data')
      expect(existsSync(data_folder), `no data/ folder in the report: the artifacts' trace files were not copied${shown(result)}`).toBe(true)
      const data_files = readdirSync(data_folder).map((name) => readFileSync(join(data_folder, name), 'utf8'))
      try {
        for (const failed of FAILED) await checkFailure(page, result.output, failed, data_files)
        // What the user sees for the first failure, for a human to look at (not compared).
        await openTest(page, FAILED[0].name)
      } finally {
        await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {})
      }
    } finally {
      await browser?.close()
      server?.closeAllConnections()
      server?.close()
      rmSync(folder, { recursive: true, force: true })
    }
  })
})

/** Opens a test from the explorer, as a user clicks it, and waits for its report panel. */
async function openTest(page: Page, name: string): Promise<void> {
  await page.getByTestId('explorer-item').and(page.getByLabel(name, { exact: true })).click()
  await page.getByTestId('file-detail').getByText(name, { exact: true }).waitFor()
  await page.getByTestId('report').waitFor()
}

/** Checks what the report shows of one failed test against the seed its terminal output printed. */
async function checkFailure(page: Page, output: string, failed: (typeof FAILED)[number], data_files: readonly string[]): Promise<void> {
  const seed = new RegExp(`> ${escapeRegExp(failed.name)}\\nSimulationFailed: run \\S+ failed \\(seed (\\d+)\\)`).exec(output)?.[1]
  expect(seed, `no seed for "${failed.name}" in the output:\n${output}`).toBeDefined()
  const replay = `replay: MARIONETTE_SEED=0 npx vitest run src/runaway.test.ts -t "^${failed.name}\\$"`
  await openTest(page, failed.name)
  const report = page.getByTestId('report')

  // The error: the summary with the seed, the last trace events and the replay line.
  const error = report.locator('.task-error pre').filter({ hasText: `(seed ${seed!})` })
  await error.waitFor()
  const error_text = await error.innerText()
  expect(error_text).toMatch(/^SimulationFailed: run \S+ failed \(seed \d+\): BudgetExceeded: /)
  expect(error_text).toContain(`  seed: ${seed!}\n`)
  expect(error_text).toContain(`    ${failed.event}\n`)
  expect(error_text).toContain(replay)

  // The annotation: its type and message with the seed, and a link that downloads the whole trace.
  const annotation = report.getByRole('note').filter({ hasText: 'marionette.trace' })
  await annotation.waitFor()
  expect(await annotation.innerText()).toContain(`marionette trace seed ${seed!}`)
  const [download] = await Promise.all([page.waitForEvent('download'), annotation.getByRole('link', { name: 'Download' }).click()])
  expect(download.suggestedFilename()).toContain(seed!)
  const trace = readFileSync(await download.path(), 'utf8')
  expect(trace).toContain(`run.attribute key=seed type=int value=${seed!}\n`)
  expect(trace).toContain(`${failed.event}\n`)
  expect(trace).toMatch(/world\.run_end now_ns=\d+ steps=\d+ outcome=error\n$/)
  // The artifact's copy of the trace file is in the report folder, byte for byte the annotation's trace.
  expect(data_files).toContain(trace)

  // task.meta, listed under Test Meta.
  await report.getByText('marionette_seed', { exact: true }).waitFor()
  expect(await report.innerText()).toMatch(new RegExp(`marionette_seed\\s+${seed!}\\s`))
}
