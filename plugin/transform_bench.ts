/**
 * Throughput of the transform on real code: `node dist/plugin/transform_bench.js [dir...]`
 * (default: this package's node_modules and the system npm). Prints ms per MB of input:
 * - cold: a fresh process, the first pass over all files, including loading the parser;
 * - warm: the best of three later passes, with the source map (the default), without it, and the
 *   cost of the map alone as magic-string would build it (`hires: true`, `'boundary'`) for the
 *   same edits, for comparison.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const started = performance.now()
const startedCpu = process.cpuUsage()
const { planTransform, transformCode } = await import('./transform.js')
const importMs = performance.now() - started
const { default: MagicString } = await import('magic-string')

const packageRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), existsSync(new URL('../package.json', import.meta.url)) ? '..' : '../..')
const roots = process.argv.length > 2 ? process.argv.slice(2) : [join(packageRoot, 'node_modules'), '/usr/lib/node_modules/npm']

const files: string[] = []
const list = (dir: string): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) list(path)
    else if (entry.isFile() && /\.[cm]?js$/.test(entry.name)) files.push(path)
  }
}
for (const root of roots) if (existsSync(root)) list(root)
const codes = files.map((f) => readFileSync(f, 'utf8'))
const megabytes = codes.reduce((sum, code) => sum + code.length, 0) / 1e6

const options = { platform: '/platform/index.js', moduleSpecifier: (m: string) => `/platform/modules/${m.replace('/', '_')}.js` }

function pass(sourcemap: boolean): { ms: number; cpuMs: number; firstMs: number; changed: number } {
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  let firstMs = -1
  let changed = 0
  for (let i = 0; i < codes.length; i++) {
    const result = transformCode(codes[i]!, files[i]!, { ...options, sourcemap })
    if (firstMs < 0) firstMs = performance.now() - t0
    if (result) changed++
  }
  const used = process.cpuUsage(cpu)
  return { ms: performance.now() - t0, cpuMs: (used.user + used.system) / 1000, firstMs, changed }
}

const perMb = (ms: number): string => `${(ms / megabytes).toFixed(0)} ms/MB`

const cold = pass(true)
const coldCpu = process.cpuUsage(startedCpu)
console.log(`${files.length} files, ${megabytes.toFixed(1)} MB (${roots.filter(existsSync).join(', ')}); ${cold.changed} changed`)
console.log(
  `cold: import ${importMs.toFixed(0)} ms, first file ${cold.firstMs.toFixed(1)} ms, first pass ${perMb(cold.ms)} ` +
    `(process CPU incl. import ${perMb((coldCpu.user + coldCpu.system) / 1000)})`,
)
const best = (sourcemap: boolean) => {
  const runs = [pass(sourcemap), pass(sourcemap), pass(sourcemap)]
  return { ms: Math.min(...runs.map((r) => r.ms)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)) }
}
const withMap = best(true)
const noMap = best(false)
console.log(`warm, with map:    ${perMb(withMap.ms)} wall, ${perMb(withMap.cpuMs)} CPU`)
console.log(`warm, without map: ${perMb(noMap.ms)} wall, ${perMb(noMap.cpuMs)} CPU`)

// The map alone, for the same edits, as magic-string builds it.
const plans = codes.map((code, i) => ({ code, id: files[i]!, plan: planTransform(code, files[i]!, options) }))
for (const hires of [true, 'boundary'] as const) {
  let ms = Infinity
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now()
    for (const { code, id, plan } of plans) {
      if (!plan || plan.edits.length === 0) continue
      const s = new MagicString(code)
      for (const edit of plan.edits) s.overwrite(edit.start, edit.end, edit.text)
      if (plan.insertion) s.appendLeft(plan.insertion.at, plan.insertion.text)
      s.generateMap({ hires, source: id, includeContent: true })
    }
    ms = Math.min(ms, performance.now() - t0)
  }
  console.log(`magic-string generateMap({ hires: ${JSON.stringify(hires)} }) alone: ${perMb(ms)}`)
}
console.log(`transform_map.ts (the map transformCode returns) alone: ${perMb(withMap.ms - noMap.ms)} (difference of the two warm runs)`)
