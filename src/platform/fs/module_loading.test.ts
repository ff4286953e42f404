import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { PLATFORM } from '../../../plugin/options.js'
import { transformCode } from '../../../plugin/transform.js'
import { Simulation } from '../../sim/simulation.js'
import { enterSimulation, exitSimulation } from '../active.js'

/**
 * Module loading never goes through the simulated fs: Node's loaders and Vite
 * read the real disk with their own references to node:fs, so a transformed
 * file whose `fs` is the simulated disk still imports and requires modules.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DIR = join(ROOT, 'node_modules', '.cache', 'marionette-fs-module-loading')

const MAIN = `
import fs from 'node:fs'
import { createRequire } from 'node:module'

export async function go() {
  fs.writeFileSync('/note', 'simulated')
  const esm = await import('./dep.mjs')
  const cjs = createRequire(import.meta.url)('./dep.cjs')
  return {
    note: fs.readFileSync('/note', 'utf8'),
    esm: esm.value,
    cjs: cjs.value,
    // The file being run is on the real disk only.
    self_visible: fs.existsSync(new URL(import.meta.url)),
  }
}
`

describe('module loading keeps the real disk', () => {
  test('a transformed file imports and requires real modules while its fs is the simulated disk', async () => {
    mkdirSync(DIR, { recursive: true })
    writeFileSync(join(DIR, 'dep.mjs'), "export const value = 'real esm'\n")
    writeFileSync(join(DIR, 'dep.cjs'), "module.exports = { value: 'real cjs' }\n")
    const main = join(DIR, 'main.ts')
    const transformed = transformCode(MAIN, main, { platform: PLATFORM.index, moduleSpecifier: PLATFORM.module, format: 'esm' })
    expect(transformed).not.toBeNull()
    expect(transformed?.code).toContain(PLATFORM.module('fs'))
    // A fresh file name per run: the module cache must not answer for the loader.
    const unique = join(DIR, `main-${process.pid}-${Date.now()}.ts`)
    writeFileSync(unique, transformed?.code ?? '')
    const module = (await import(/* @vite-ignore */ pathToFileURL(unique).href)) as { go(): Promise<Record<string, unknown>> }

    const sim = new Simulation({ seed: 11 })
    enterSimulation(sim)
    let result: Record<string, unknown>
    try {
      result = await module.go()
    } finally {
      exitSimulation(sim)
    }
    expect(result).toEqual({ note: 'simulated', esm: 'real esm', cjs: 'real cjs', self_visible: false })
    expect(sim.loop.raised_error).toBeNull()
  })
})
