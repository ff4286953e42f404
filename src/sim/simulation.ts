import { createDiskControl } from '../disk/disk_control.js'
import type { DiskControl } from '../disk/control.js'
import { validateDiskOptions, type DiskOptions } from '../disk/options.js'
import { SimDisk } from '../disk/sim_disk.js'
import type { NetworkControl } from '../net/control.js'
import { NoNetwork } from '../net/errors.js'
import { NetworkModel, type NetworkOptions, type SimNetwork } from '../net/network.js'
import { EventLoop, type LoopOptions } from '../scheduler/loop.js'
import { createTimers, type SimTimers } from '../scheduler/timers.js'
import { createTimersPromises, type SimTimersPromises } from '../scheduler/timers_promises.js'
import { formatNs, NS_PER_MS } from '../world/clock.js'
import { World, type WorldOptions } from '../world/world.js'
import type { Env } from './env.js'

/** What a named check returns: `true`/`undefined` pass; `false` fails; a string fails with that detail. */
export type CheckResult = boolean | string | void

export interface CheckFailure {
  readonly name: string
  readonly detail: string
}

export interface SimulationOptions extends WorldOptions, LoopOptions {
  /** Simulated duration of one `control.tick()`, in nanoseconds. */
  tick_ns?: number
  /** The simulated disk (sim.disk, control.disk); created on first use, so unused it costs nothing. */
  disk?: DiskOptions
  /** The simulated network (sim.network, control.network): its topology is declared here, once. */
  network?: NetworkOptions
}

export const DEFAULT_TICK_NS = NS_PER_MS

/** The harness-facing surface: it moves the world and injects faults. Never given to application code. */
export interface Control {
  readonly tick_ns: number
  /** Advances simulated time by one tick, running what falls due and evolving every subsystem's faults. */
  tick(): Promise<void>
  /** Advances simulated time tick by tick until `duration_ns` has passed. */
  runFor(duration_ns: number): Promise<void>
  /** Disk faults, crash, restart, scripted corruption and durable-state views. */
  readonly disk: DiskControl
  /** Network faults, node and link state, partitions, clogs and queues. Throws `NoNetwork` without `network` options. */
  readonly network: NetworkControl
}

/** A subsystem's fault-evolution hook, run once per tick; probabilistic rolls happen only here. */
export type TickHook = (tick_index: number) => void

/**
 * One simulated world with its loop, application surface (`env`) and harness
 * surface (`control`): the composition root of a run.
 */
export class Simulation {
  readonly world: World
  readonly loop: EventLoop
  readonly env: Env
  readonly control: Control
  readonly timers: SimTimers
  readonly timersPromises: SimTimersPromises
  readonly #check_failures: CheckFailure[] = []
  readonly #tick_hooks: { name: string; hook: TickHook }[] = []
  #tick_count = 0
  readonly #disk_options: DiskOptions
  #disk: SimDisk | null = null
  #disk_control: DiskControl | null = null
  readonly #network: NetworkModel | null

  constructor(options: SimulationOptions) {
    this.world = new World(options)
    this.loop = new EventLoop(this.world, options)
    this.timers = createTimers(this.loop)
    this.timersPromises = createTimersPromises(this.loop, this.timers)
    const tick_ns = options.tick_ns ?? DEFAULT_TICK_NS
    if (!Number.isSafeInteger(tick_ns) || tick_ns <= 0) {
      throw new RangeError(`tick_ns must be a positive integer number of nanoseconds, got ${tick_ns}`)
    }
    this.#disk_options = options.disk ?? {}
    validateDiskOptions({ ...this.#disk_options, tick_ns })
    const world = this.world
    const clock = world.clock
    const app_random = world.random('env')
    this.env = {
      simulated: true,
      clock: {
        nowNs: () => clock.monotonicNs(),
        wallMs: () => clock.wallMs(),
        monotonicMs: () => clock.monotonicMs(),
      },
      random: app_random,
      timers: this.timers,
      timersPromises: this.timersPromises,
      sleep: (ms) => this.timersPromises.setTimeout(ms),
      buggify: (hook, rate) => world.buggify(hook, rate),
      record: (name, fields) => world.record(name, fields),
      recordFields: (name, fields) => world.recordFields(name, fields),
    }
    const diskControl = (): DiskControl => (this.#disk_control ??= createDiskControl(this.disk))
    const network_model = (): NetworkModel => {
      if (this.#network === null) throw new NoNetwork('control.network')
      return this.#network
    }
    this.control = {
      tick_ns,
      tick: () => this.#tick(),
      runFor: (duration_ns) => this.#runFor(duration_ns),
      get disk() {
        return diskControl()
      },
      get network() {
        return network_model().control
      },
    }
    this.#network = options.network === undefined ? null : new NetworkModel(world, this.loop, options.network, tick_ns)
    if (this.#network !== null) this.addTickHook('network', this.#network.tick.bind(this.#network))
  }

  /** The application's side of the network: it opens endpoints. Throws `NoNetwork` without `network` options. */
  get network(): SimNetwork {
    if (this.#network === null) throw new NoNetwork('sim.network')
    return this.#network.app
  }

  /** The simulated disk the fs layer runs on. Created on first use: no draw, no trace until then. */
  get disk(): SimDisk {
    this.#disk ??= new SimDisk(this.world, { ...this.#disk_options, tick_ns: this.control.tick_ns })
    return this.#disk
  }

  get check_failures(): readonly CheckFailure[] {
    return this.#check_failures
  }

  /**
   * Evaluates a named invariant now. A failure is recorded in the trace and
   * fails the run at its end; the scenario carries on, so later checks report too.
   */
  check(name: string, predicate: () => CheckResult): boolean {
    let result: CheckResult
    try {
      result = predicate()
    } catch (error) {
      result = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
    }
    const passed = result === true || result === undefined
    if (passed) {
      // Check names are the user's words (`'synced record recovered'`): escaped like any runtime text.
      this.world.recordFields('check', { name, passed: true })
      return true
    }
    const detail = typeof result === 'string' ? result : 'returned false'
    this.world.recordFields('check', { name, passed: false, detail })
    this.#check_failures.push({ name, detail })
    return false
  }

  /** Registers a subsystem's per-tick fault evolution (internal to subsystems, not for scenarios). */
  addTickHook(name: string, hook: TickHook): void {
    this.#tick_hooks.push({ name, hook })
  }

  #tick(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.loop.after(this.control.tick_ns, 'world.tick', () => {
        const tick_index = this.#tick_count++
        this.world.record('world.tick', { tick: tick_index, now_ns: this.world.clock.nowNsText() })
        for (const { hook } of this.#tick_hooks) hook(tick_index)
        resolve()
      })
    })
  }

  async #runFor(duration_ns: number): Promise<void> {
    if (!Number.isSafeInteger(duration_ns) || duration_ns < 0) {
      throw new RangeError(`runFor: duration_ns must be a non-negative integer, got ${duration_ns}`)
    }
    const clock = this.world.clock
    const end_ms = clock.ms + Math.floor((clock.sub_ns + duration_ns) / NS_PER_MS)
    const end_sub_ns = (clock.sub_ns + duration_ns) % NS_PER_MS
    this.world.record('world.run_for', { duration_ns, end_ns: formatNs(end_ms, end_sub_ns) })
    const ticks = Math.floor(duration_ns / this.control.tick_ns)
    for (let i = 0; i < ticks; i++) await this.#tick()
    const rest_ns = duration_ns - ticks * this.control.tick_ns
    if (rest_ns > 0) await new Promise<void>((resolve) => this.loop.after(rest_ns, 'world.run_for', resolve))
  }
}
