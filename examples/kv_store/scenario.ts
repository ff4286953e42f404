import type { Case } from '../../src/run/run.js'
import type { Simulation } from '../../src/sim/simulation.js'
import { BuggifyRate } from '../../src/world/buggify.js'
import { recorderOf, type Recorder } from '../recorder.js'
import { KvStore, type RecoveryMode } from './store.js'
import { RECORD_SIZE_BYTES } from './wal_record.js'

export const DATA_DIRECTORY = '/data'
export const LOG_PATH = `${DATA_DIRECTORY}/kv.wal`
/** Two sectors per record: a crash can tear a record, landing its first sector (magic, key) only. */
export const SECTOR_SIZE_BYTES = RECORD_SIZE_BYTES / 2

/**
 * The disk of the scenario. At the crash, the unsynced write is lost on about
 * a third of the seeds, torn on another third (its first sector lands, the
 * checksum's sector does not), and lands whole on the rest.
 */
export const KV_DISK = {
  sector_size_bytes: SECTOR_SIZE_BYTES,
  faults: { crash_lost_write_rate: BuggifyRate.percent(33), crash_torn_write_rate: BuggifyRate.percent(50) },
} as const

export interface KvState {
  readonly sim: Simulation
  readonly recorder: Recorder
  recovered: [string, string][]
}

/**
 * The seeds' KV store scenario: one record written and synced, a second
 * written and not synced, a crash, a restart, scripted corruption of the
 * second record's last sector if it survived, and recovery. Whatever the crash
 * did, the second record must not be served: it is lost, torn or damaged.
 */
function kvCase(name: string, mode: RecoveryMode): Case<KvState> {
  return {
    name,
    init: (sim) => ({ sim, recorder: recorderOf(sim.env), recovered: [] }),
    scenario: async (state) => {
      const disk = state.sim.control.disk
      const store = await KvStore.open(DATA_DIRECTORY, state.recorder, mode)
      await store.put('1', 'one')
      await store.sync()
      await store.put('2', 'two')
      disk.crash()
      disk.restart()
      // Scripted corruption: when the second record landed whole, its checksum sector is damaged on the platter.
      if ((disk.durableFile(LOG_PATH)?.length ?? 0) >= 2 * RECORD_SIZE_BYTES) disk.corruptSector(LOG_PATH, RECORD_SIZE_BYTES + SECTOR_SIZE_BYTES)
      const recovered = await KvStore.open(DATA_DIRECTORY, state.recorder, mode)
      state.recovered = recovered.entries()
      await recovered.close()
      if (state.recovered.some(([key]) => key === '2')) state.recorder.record('kv.invariant_violation', { reason: 'unsynced_record_recovered' })
    },
    checks: [
      {
        name: 'synced_record_recovered',
        check: ({ recovered }) => recovered.filter(([key, value]) => key === '1' && value === 'one').length === 1 || `recovered ${JSON.stringify(recovered)}`,
      },
      {
        name: 'damaged_record_rejected',
        check: ({ recovered }) => !recovered.some(([key]) => key === '2') || `served the unsynced, damaged record: ${JSON.stringify(recovered)}`,
      },
    ],
  }
}

export const kvStore = kvCase('kv-store', 'checksum')
export const kvStoreBug = kvCase('kv-store-bug', 'magic_only')
