import type { SimDisk } from '../../disk/index.js'
import type { Simulation } from '../../sim/simulation.js'
import type { Random } from '../../world/random.js'
import { FdTable } from './fd_table.js'

/**
 * The simulated process's file-system state for one simulation: its disk,
 * its descriptor table, and the random stream `mkdtemp` draws its suffixes
 * from. Created on the first fs call of a simulation, so a simulation that
 * never touches fs draws nothing and traces nothing for it.
 */
export interface FsContext {
  readonly sim: Simulation
  readonly disk: SimDisk
  readonly fds: FdTable
  /** The `fs.mkdtemp` stream, created on first use. */
  readonly random: () => Random
}

const contexts = new WeakMap<Simulation, FsContext>()

export function fsContext(sim: Simulation): FsContext {
  let context = contexts.get(sim)
  if (context === undefined) {
    let random: Random | null = null
    const disk = sim.disk
    let fds = new FdTable()
    let crash_count = disk.crash_count
    const created: FsContext = {
      sim,
      disk,
      // A crash kills the simulated process: descriptors opened before it are gone (EBADF), as after a reboot.
      get fds() {
        if (disk.crash_count !== crash_count) {
          crash_count = disk.crash_count
          fds = new FdTable()
        }
        return fds
      },
      random: () => (random ??= sim.world.random('fs.mkdtemp')),
    }
    context = created
    contexts.set(sim, context)
  }
  return context
}
