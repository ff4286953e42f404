/**
 * Vitest setup file added by the plugin: in a test file this shard runs only
 * for its sweeps (a guest file, see fuzz_shards.ts), every test but
 * `test.sim.fuzz` is skipped, since the file's home shard runs it.
 */
import { beforeEach, inject } from 'vitest'
import { SIM_PROVIDE_KEY, type SimRunConfig } from './vitest_config.js'

function config(): SimRunConfig | undefined {
  try {
    return inject(SIM_PROVIDE_KEY)
  } catch {
    return undefined
  }
}

// Destructured: in a file using `test.extend`, Vitest reads a hook's fixtures from its first parameter.
beforeEach(({ task, skip }) => {
  const guests = config()?.guest_files ?? []
  if (guests.length === 0 || task.meta.marionette_sweep === true) return
  if (guests.includes(task.file.filepath)) skip('runs on this file\'s own shard; this shard runs only the file\'s test.sim.fuzz seeds')
})
