/**
 * Named simulation profiles: `smoke`, `swarm`, `replay`, `performance`. A
 * profile expands, for one seed, into run options (replay comparison,
 * schedule exploration, budgets) and the fault settings of every subsystem.
 * `swarm` draws its fault settings per seed (swarm testing: each seed turns a
 * different mix of faults on, at different rates), from a stream of its own,
 * so the same seed always gets the same mix and no other stream shifts.
 */
import type { RunOptions } from './run.js'
import { Random } from '../world/random.js'
import { parseSeed, type Seed, type SeedInput } from '../world/seed.js'
import type { AttributeValue } from '../world/trace.js'

export const PROFILE_NAMES = ['smoke', 'swarm', 'replay', 'performance'] as const
export type ProfileName = (typeof PROFILE_NAMES)[number]

/** The run options a profile decides (the rest stay the caller's). */
export type ProfileOptions = Pick<RunOptions, 'replay' | 'explore' | 'max_steps' | 'max_time_ns' | 'max_trace_bytes' | 'attributes'> &
  ProfileFaults

/**
 * Fault settings, per subsystem. Subsystems add their own field to this
 * interface (declaration merging) together with their entry in `SWARM_DRAWS`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ProfileFaults {}

export interface Profile {
  readonly name: ProfileName
  /** One line for docs and errors. */
  readonly summary: string
  /** Seeds a `test.sim.fuzz` sweep runs when it does not say. */
  readonly fuzz_seeds: number
  /** The options for one seed. */
  expand(seed: Seed): ProfileOptions
}

/** A subsystem's swarm draw: picks its fault settings for one seed from the profile's own stream. */
export interface SwarmDraw {
  /** The subsystem (`disk`, `network`), also the key in `ProfileFaults`. */
  readonly subsystem: string
  draw(random: Random): object
}

/** Registered by each subsystem that has faults; the swarm profile draws them in this order. */
const SWARM_DRAWS: SwarmDraw[] = []

/** Adds a subsystem's fault draw to the swarm profile (once per subsystem). */
export function registerSwarmDraw(draw: SwarmDraw): void {
  if (SWARM_DRAWS.some((known) => known.subsystem === draw.subsystem)) return
  SWARM_DRAWS.push(draw)
}

/** The stream swarm fault settings are drawn from (independent of every stream the simulation uses). */
export const SWARM_STREAM = 'profile.swarm'

const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  smoke: {
    name: 'smoke',
    summary: 'quick confidence: no injected faults, replay comparison on, 10 seeds per sweep',
    fuzz_seeds: 10,
    expand: () => ({ replay: true, explore: false, attributes: { profile: 'smoke' } }),
  },
  swarm: {
    name: 'swarm',
    summary: 'fault rates drawn per seed for every subsystem, schedule exploration on, 100 seeds per sweep',
    fuzz_seeds: 100,
    expand(seed) {
      const random = new Random(seed, SWARM_STREAM)
      const options: Record<string, unknown> = { replay: true, explore: true }
      const attributes: Record<string, AttributeValue> = { profile: 'swarm' }
      for (const { subsystem, draw } of SWARM_DRAWS) {
        const faults = draw(random)
        options[subsystem] = { faults }
        attributes[`${subsystem}_faults`] = describeFaults(faults)
      }
      options['attributes'] = attributes
      return options as ProfileOptions
    },
  },
  replay: {
    name: 'replay',
    summary: 'reproducing a seed: replay comparison forced on, no injected faults, 1 seed per sweep',
    fuzz_seeds: 1,
    expand: () => ({ replay: true, explore: false, attributes: { profile: 'replay' } }),
  },
  performance: {
    name: 'performance',
    summary: 'throughput: one run per seed (no replay comparison), no injected faults, large budgets, 20 seeds per sweep',
    fuzz_seeds: 20,
    expand: () => ({ replay: false, explore: false, max_steps: 1_000_000_000, attributes: { profile: 'performance' } }),
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

/** The options `profile_name` gives `seed`. */
export function profileOptions(profile_name: ProfileName, seed: SeedInput): ProfileOptions {
  return profile(profile_name).expand(parseSeed(seed))
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
