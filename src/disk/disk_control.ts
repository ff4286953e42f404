import type { DiskControl } from './control.js'
import { DISK_AUTHORITY, type SimDisk } from './sim_disk.js'

/** The harness's control over `disk`. The Simulation builds one for `control.disk`. */
export function createDiskControl(disk: SimDisk): DiskControl {
  const authority = disk[DISK_AUTHORITY]()
  return {
    setFaults: (faults) => authority.setFaults(faults),
    setCapacity: (capacity_bytes) => authority.setCapacity(capacity_bytes),
    crash: () => authority.crash(),
    restart: () => authority.restart(),
    corruptSector: (path, offset) => authority.corruptSector(path, offset),
    get crashed() {
      return disk.crashed
    },
    durableFile: (path) => authority.durableFile(path),
    durableTree: () => authority.durableTree(),
    volatileFile: (path) => authority.volatileFile(path),
    pendingWrites: () => authority.pendingWrites(),
    pendingDirEntries: () => authority.pendingDirEntries(),
    usedBytes: () => authority.usedBytes(),
  }
}
