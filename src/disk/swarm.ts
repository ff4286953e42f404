import { BuggifyRate } from '../world/buggify.js'
import type { Random } from '../world/random.js'
import type { DiskFaultOptions } from './faults.js'

/**
 * Swarm testing: disk faults drawn per seed, so a sweep covers calm disks,
 * flaky ones and crash-prone ones rather than one average mix. Each fault
 * class is switched on with its own odds, at its own rate; draws come from
 * `random` in a fixed order (18 draws), so the same seed gets the same disk.
 * Operation faults stay rare (user code sees them as EIO or short writes);
 * crash outcomes are frequent, since they only matter when a scenario crashes.
 */
export function drawSwarmDiskFaults(random: Random): DiskFaultOptions {
  const rare = (odds_on: number, max_percent: number): BuggifyRate => {
    const on = random.intLessThan(odds_on) === 0
    const percent = random.intBetween(1, max_percent)
    return on ? BuggifyRate.percent(percent) : BuggifyRate.never()
  }
  return {
    read_error_rate: rare(4, 5),
    write_error_rate: rare(4, 5),
    corrupt_read_rate: rare(4, 5),
    short_write_rate: rare(3, 20),
    misdirected_write_rate: rare(8, 2),
    crash_lost_write_rate: rare(2, 60),
    crash_torn_write_rate: rare(2, 60),
    crash_reorder_write_rate: rare(2, 50),
    crash_lost_dir_entry_rate: rare(2, 60),
  }
}
