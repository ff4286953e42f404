/**
 * Named simulation profiles: `smoke`, `swarm`, `replay`, `performance`. A
 * profile expands, for one seed, into run options (replay comparison,
 * schedule exploration, budgets) and the fault settings of every subsystem.
 * `swarm` draws its fault settings per seed (swarm testing: each seed turns a
 * different mix of faults on, at different rates), from a stream of its own,
 * so the same seed always gets the same mix and no other stream shifts.
 */
import type { DiskFaultOptions } from '../disk/faults.js'
import type { NetworkFaultOptions } from '../net/faults.js'
import type { AttributeValue } from '../world/trace.js'
import type { RunOptions } from './run.js'
import { drawSwarmDiskFaults } from '../disk/swarm.js'
import { drawSwarmNetworkFaults } from '../net/faults.js'
import { Random } from '../world/random.js'
import { parseSeed, type Seed } from '../world/seed.js'

export const PROFILE_NAMES = ['smoke', 'swarm', 'replay', 'performance'] as const
export type ProfileName = (typeof PROFILE_NAMES)[number]

/** What a profile decides for one seed: run options, fault settings, and trace attributes naming them. */
export interface ProfileSettings {
  readonly run: Pick<RunOptions, 'replay' | 'explore' | 'max_steps'>
  readonly disk_faults?: DiskFaultOptions
  /** Applied when the run declares a network (the topology is the test's, not the profile's). */
  readonly network_faults?: NetworkFaultOptions
  readonly attributes: Readonly<Record<string, AttributeValue>>
}

export interface Profile {
  readonly name: ProfileName
  /** One line for docs and errors. */
  readonly summary: string
  /** Seeds a `test.sim.fuzz` sweep runs when it does not say. */
  readonly fuzz_seeds: number
  /** The settings for one seed. */
  expand(seed: Seed): ProfileSettings
}

/** The stream swarm fault settings are drawn from (independent of every stream the simulation uses). */
export const SWARM_STREAM = 'profile.swarm'

const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  smoke: {
    name: 'smoke',
    summary: 'quick confidence: no injected faults, replay comparison on, 10 seeds per sweep',
    fuzz_seeds: 10,
    expand: () => ({ run: { replay: true, explore: false }, attributes: { profile: 'smoke' } }),
  },
  swarm: {
    name: 'swarm',
    summary: 'fault rates drawn per seed for every subsystem, schedule exploration on, 100 seeds per sweep',
    fuzz_seeds: 100,
    expand(seed) {
      const random = new Random(seed, SWARM_STREAM)
      // Disk first, then network: each draw takes a fixed number of values, so adding a subsystem later keeps these.
      const disk_faults = drawSwarmDiskFaults(random)
      const network_faults = drawSwarmNetworkFaults(random)
      return {
        run: { replay: true, explore: true },
        disk_faults,
        network_faults,
        attributes: { profile: 'swarm', disk_faults: describeFaults(disk_faults), network_faults: describeFaults(network_faults) },
      }
    },
  },
  replay: {
    name: 'replay',
    summary: 'reproducing a seed: replay comparison forced on, no injected faults, 1 seed per sweep',
    fuzz_seeds: 1,
    expand: () => ({ run: { replay: true, explore: false }, attributes: { profile: 'replay' } }),
  },
  performance: {
    name: 'performance',
    summary: 'throughput: one run per seed (no replay comparison), no injected faults, large budgets, 20 seeds per sweep',
    fuzz_seeds: 20,
    expand: () => ({ run: { replay: false, explore: false, max_steps: 1_000_000_000 }, attributes: { profile: 'performance' } }),
  },
}

/** An unknown profile name; the message lists the known ones and the nearest. */
export class UnknownProfile extends Error {
  override name = 'UnknownProfile'
}

/** The profile called `name`, or an `UnknownProfile` error listing the known ones. */
export function profile(name: string): Profile {
  if (typeof name === 'string' && Object.hasOwn(PROFILES, name)) return PROFILES[name as ProfileName]
  const known = PROFILE_NAMES.join(', ')
  throw new UnknownProfile(`unknown profile ${JSON.stringify(name)}: the profiles are ${known}`)
}

/**
 * `options` under the profile `profile_name` for its seed: the profile's run
 * options and fault settings, with whatever `options` sets winning (fault by
 * fault: a test that pins one disk fault keeps the profile's others).
 */
export function withProfile(profile_name: ProfileName, options: RunOptions): RunOptions {
  const settings = profile(profile_name).expand(parseSeed(options.seed))
  const merged: RunOptions = { ...settings.run, seed: options.seed }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value
  merged.attributes = { ...settings.attributes, ...options.attributes }
  if (settings.disk_faults !== undefined) merged.disk = { ...options.disk, faults: { ...settings.disk_faults, ...options.disk?.faults } }
  if (settings.network_faults !== undefined && options.network !== undefined) {
    merged.network = { ...options.network, faults: { ...settings.network_faults, ...options.network.faults } }
  }
  return merged
}

/** `read_error=percent:5,crash_lost_write=never` style text for a trace attribute. */
function describeFaults(faults: object): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(faults)) {
    if (value === undefined) continue
    parts.push(`${key}=${describeValue(value)}`)
  }
  return parts.join(',')
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'kind' in value) {
    const rate = value as { kind: string; percent?: number; numerator?: number; denominator?: number }
    if (rate.kind === 'percent') return `percent:${rate.percent}`
    if (rate.kind === 'ratio') return `ratio:${rate.numerator}/${rate.denominator}`
    return rate.kind
  }
  if (typeof value === 'object' && value !== null) return `{${describeFaults(value)}}`
  return String(value)
}
