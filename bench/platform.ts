/**
 * The simulated platform's per-call costs (docs/platform.md, "Costs").
 *
 * - Outside a simulation: each platform global against the real one it stands
 *   in for (transformed code pays the difference).
 * - Inside one: the simulated globals, and the leak tripwires on the real
 *   globals, by path: a call from this package's own code (inspected, exempt),
 *   a leaking call from a dependency (inspected, recorded), and a leaking call
 *   once the run has failed and the wrappers only delegate.
 * - Entering and exiting a simulation (installing and removing the tripwires).
 *
 * Usage: `npm run build && node dist/bench/platform.js` (from the repository root).
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as platform from '../src/platform/index.js'
import { enterSimulation, exitSimulation } from '../src/platform/active.js'
import { productionEnv } from '../src/sim/env.js'
import { Simulation } from '../src/sim/simulation.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const leaky = createRequire(import.meta.url)(path.join(root, 'fixtures/leaky-dep/node_modules/leaky-dep/index.js')) as {
  now(): number
}

let sink = 0

/** Nanoseconds per call of `body`, the median of `reps` timed batches of `n` calls. */
function measure(body: () => unknown, n: number, reps = 7): number {
  for (let i = 0; i < Math.min(n, 10_000); i++) body()
  const samples: number[] = []
  for (let r = 0; r < reps; r++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < n; i++) {
      const value = body()
      if (typeof value === 'number') sink += value
    }
    samples.push(Number(process.hrtime.bigint() - started) / n)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] as number
}

function row(name: string, ns: number): void {
  console.log(`${name.padEnd(64)} ${ns.toFixed(1).padStart(9)} ns/call`)
}

function newSimulation(): Simulation {
  return new Simulation({ seed: 1, clock: { max_clock_reads_without_progress: Number.MAX_SAFE_INTEGER } })
}

const N = 1_000_000
const G: typeof globalThis = globalThis

console.log('outside a simulation (platform vs the real global)')
row('Date.now()                    real', measure(() => G.Date.now(), N))
row('                              platform', measure(() => platform.Date.now(), N))
row('new Date()                    real', measure(() => new G.Date(), N))
row('                              platform', measure(() => new platform.Date(), N))
row('Math.random()                 real', measure(() => G.Math.random(), N))
row('                              platform', measure(() => platform.Math_random(), N))
row('performance.now()             real', measure(() => G.performance.now(), N))
row('                              platform', measure(() => platform.performance.now(), N))
row('setTimeout + clearTimeout     real', measure(() => G.clearTimeout(G.setTimeout(() => {}, 1000)), N / 10))
row('                              platform', measure(() => platform.clearTimeout(platform.setTimeout(() => {}, 1000)), N / 10))

console.log('\ninside a simulation')
{
  const sim = newSimulation()
  enterSimulation(sim)
  try {
    row('platform Date.now() (simulated clock)', measure(() => platform.Date.now(), N))
    row('platform Math_random() (env stream)', measure(() => platform.Math_random(), N))
    row('platform performance.now() (simulated clock)', measure(() => platform.performance.now(), N))
    // productionEnv()'s clock and randomness call the real globals from src/sim/env.ts: this package's own code.
    const production = productionEnv()
    row('real Date.now() from own code: tripwire, inspected, exempt', measure(() => production.clock.wallMs(), N / 20))
    row('real Math.random() from own code: tripwire, inspected, exempt', measure(() => production.random.float64(), N / 20))
    row('real new Date(0) (not a clock read): tripwire, not inspected', measure(() => new G.Date(0), N))
  } finally {
    exitSimulation(sim)
  }
}
{
  const sim = newSimulation()
  enterSimulation(sim)
  try {
    // The first 1000 leaking calls are inspected (and the first recorded); then the wrappers only delegate.
    row('leaky dependency Date.now(): inspected, leak (first 1000 calls)', measure(() => leaky.now(), 100, 10))
    row('leaky dependency Date.now(): after the run has failed', measure(() => leaky.now(), N))
  } finally {
    exitSimulation(sim)
  }
}
{
  const sims = Array.from({ length: 2_000 }, () => newSimulation())
  let next = 0
  row('enterSimulation + exitSimulation (install, restore tripwires)', measure(() => {
    const sim = sims[next++ % sims.length] as Simulation
    enterSimulation(sim)
    exitSimulation(sim)
  }, 200))
}
if (sink === 0.5) console.log(sink)
