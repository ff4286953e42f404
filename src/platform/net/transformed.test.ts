import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { PLATFORM } from '../../../plugin/options.js'
import { transformCode } from '../../../plugin/transform.js'
import { run } from '../../run/run.js'

/**
 * Application code written against node:http, unchanged, through the
 * transform: inside a simulation its server listens on a simulated node and
 * its client reaches it by host name.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DIR = join(ROOT, 'node_modules', '.cache', 'marionette-net-transformed')

const APP = `
import http from 'node:http'

export function startServer(port) {
  return http
    .createServer((request, response) => {
      response.setHeader('Content-Type', 'text/plain')
      response.end('hello ' + request.url + ' at ' + new Date().toISOString())
    })
    .listen(port)
}

export function fetchText(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode, date: response.headers.date, body }))
      })
      .on('error', (error) => reject(error))
  })
}
`

describe('node:http in transformed application code', () => {
  test('http.createServer(...).listen(port) and http.get(url) work unchanged inside a simulation', async () => {
    mkdirSync(DIR, { recursive: true })
    const file = join(DIR, 'app.ts')
    const transformed = transformCode(APP, file, { platform: PLATFORM.index, moduleSpecifier: PLATFORM.module, format: 'esm' })
    expect(transformed?.code).toContain(PLATFORM.module('http'))
    const unique = join(DIR, `app-${process.pid}-${Date.now()}.ts`)
    writeFileSync(unique, transformed?.code ?? '')
    const app = (await import(/* @vite-ignore */ pathToFileURL(unique).href)) as {
      startServer(port: number): unknown
      fetchText(url: string): Promise<unknown>
    }
    let result: unknown = null
    const report = await run(
      async (sim) => {
        sim.network.onNode(1, () => app.startServer(8080))
        await sim.control.runFor(2_000_000)
        result = await app.fetchText('http://api:8080/status')
      },
      { seed: 9, network: { nodes: 2, hosts: { api: 1 } } },
    )
    expect(report.error).toBeNull()
    expect(report.replay).toBe('identical')
    expect(result).toEqual({
      status: 200,
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
      body: 'hello /status at 2024-01-01T00:00:00.005Z',
    })
  })
})
