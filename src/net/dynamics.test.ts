import { describe, expect, test } from 'vitest'
import { Simulation } from '../sim/simulation.js'
import { BuggifyRate } from '../world/buggify.js'
import { Random } from '../world/random.js'
import { parseSeed } from '../world/seed.js'
import { drawSwarmNetworkFaults, type NetworkFaultOptions } from './faults.js'

/** A few nodes chatting every tick while the network's faults evolve. */
async function chatter(seed: number, nodes: number, faults: NetworkFaultOptions, ticks: number): Promise<Simulation> {
  const sim = new Simulation({ seed, name: 'dynamics', network: { nodes, faults } })
  const endpoints = Array.from({ length: nodes }, (_, node) => sim.network.endpoint<number>(node))
  for (const endpoint of endpoints) endpoint.onMessage(() => {})
  await sim.loop.run(async () => {
    for (let tick = 0; tick < ticks; tick++) {
      for (const endpoint of endpoints) endpoint.send((endpoint.node + 1) % nodes, tick)
      await sim.control.tick()
    }
  })
  return sim
}

interface Change {
  kind: 'partition' | 'heal'
  at_ns: number
  line: string
}

/** Automatic partition state changes with the time of the tick that made them. */
function autoChanges(trace: string): Change[] {
  const changes: Change[] = []
  let now_ns = 0
  for (const line of trace.split('\n')) {
    const tick = / world\.tick tick=\d+ now_ns=(\d+)/.exec(line)
    if (tick !== null) now_ns = Number(tick[1])
    if (line.includes(' network.partition cause=auto')) changes.push({ kind: 'partition', at_ns: now_ns, line })
    if (line.includes(' network.heal cause=auto')) changes.push({ kind: 'heal', at_ns: now_ns, line })
  }
  return changes
}

describe('clogs evolved per tick', () => {
  const clogs: NetworkFaultOptions = {
    clog_rate: BuggifyRate.percent(10),
    clog_duration_min_ns: 3_000_000,
    clog_duration_jitter_ns: 4_000_000,
  }

  test('a clog probability of 10% over 200 ticks gives the same trace bytes on two runs', async () => {
    const first = (await chatter(12648430, 4, clogs, 200)).world.trace.text()
    const second = (await chatter(12648430, 4, clogs, 200)).world.trace.text()
    expect(second).toBe(first)
    // Not vacuous: clogs did happen, and another seed clogs differently.
    const auto = first.match(/network\.clog from=\d+ to=\d+ until_ns=\d+ cause=auto/g) ?? []
    expect(auto.length).toBeGreaterThan(50)
    expect((await chatter(13, 4, clogs, 200)).world.trace.text()).not.toBe(first)
  })

  test('every rolled clog lasts its minimum (plus at most its jitter), and held packets are all released', async () => {
    const sim = await chatter(99, 3, clogs, 300)
    const text = sim.world.trace.text()
    let now_ns = 0
    const until = new Map<string, number>()
    let checked = 0
    for (const line of text.split('\n')) {
      const tick = / world\.tick tick=\d+ now_ns=(\d+)/.exec(line)
      if (tick !== null) now_ns = Number(tick[1])
      const clog = /network\.clog from=(\d+) to=(\d+) until_ns=(\d+) cause=auto/.exec(line)
      if (clog !== null) {
        const duration = Number(clog[3]) - now_ns
        expect(duration).toBeGreaterThanOrEqual(3_000_000)
        expect(duration).toBeLessThanOrEqual(7_000_000)
        until.set(`${clog[1]}-${clog[2]}`, Number(clog[3]))
      }
      const unclog = /network\.unclog from=(\d+) to=(\d+) cause=expired released=\d+ now_ns=(\d+)/.exec(line)
      if (unclog !== null) {
        // A clog with packets behind it ends at its deadline exactly; an empty one at the first tick after.
        const ended_ns = Number(unclog[3])
        const until_ns = until.get(`${unclog[1]}-${unclog[2]}`) as number
        expect(ended_ns).toBeGreaterThanOrEqual(until_ns)
        expect(ended_ns - until_ns).toBeLessThan(1_000_000)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(20)
    expect(text).not.toMatch(/reason=/) // clogs delay; they never drop
  })

  test('rolls happen only in ticks: sending and delivering draw nothing from the clog or partition streams', async () => {
    const sim = new Simulation({
      seed: 5,
      network: { nodes: 3, faults: { ...clogs, partition_rate: BuggifyRate.percent(50), unpartition_stability_min_ns: 0 } },
    })
    const clog_stream = sim.world.random('network.clog')
    const partition_stream = sim.world.random('network.partition')
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    await sim.loop.run(async () => {
      for (let i = 0; i < 100; i++) a.send(1, i)
      for (let i = 0; i < 100; i++) await b.receive()
      expect(clog_stream.draws).toBe(0)
      expect(partition_stream.draws).toBe(0)
      await sim.control.tick()
      expect(clog_stream.draws).toBeGreaterThanOrEqual(6) // six directed paths, one roll each (plus any duration draw)
      expect(partition_stream.draws).toBeGreaterThan(0)
    })
  })
})

describe('automatic partitions', () => {
  const flapping = (floor_ns: number): NetworkFaultOptions => ({
    partition_rate: BuggifyRate.percent(50),
    unpartition_rate: BuggifyRate.percent(50),
    partition_stability_min_ns: floor_ns,
    unpartition_stability_min_ns: floor_ns,
  })

  test('the stability floors prevent flip-flop: over 200 seeds, no state change within 5 ticks of the last', async () => {
    let changes_seen = 0
    for (let seed = 1; seed <= 200; seed++) {
      const changes = autoChanges((await chatter(seed, 5, flapping(5_000_000), 60)).world.trace.text())
      let last_ns = 0
      let last_kind: 'partition' | 'heal' = 'heal'
      for (const change of changes) {
        expect(change.kind).not.toBe(last_kind) // strictly alternating
        expect(change.at_ns - last_ns).toBeGreaterThanOrEqual(5_000_000)
        last_ns = change.at_ns
        last_kind = change.kind
      }
      changes_seen += changes.length
    }
    expect(changes_seen).toBeGreaterThan(200 * 4)
  })

  test('without a floor the same dice do flip-flop (so the property above can fail)', async () => {
    let quick = 0
    for (let seed = 1; seed <= 20; seed++) {
      const changes = autoChanges((await chatter(seed, 5, flapping(0), 60)).world.trace.text())
      for (let i = 1; i < changes.length; i++) {
        if ((changes[i] as Change).at_ns - (changes[i - 1] as Change).at_ns < 5_000_000) quick++
      }
    }
    expect(quick).toBeGreaterThan(50)
  })

  test('a control heal ends the automatic partition and restarts the whole-network floor', async () => {
    const sim = new Simulation({ seed: 3, network: { nodes: 3, faults: { ...flapping(10_000_000), partition_rate: BuggifyRate.always() } } })
    await sim.loop.run(async () => {
      await sim.control.runFor(10_000_000)
      expect(sim.control.network.autoPartition().active).toBe(true)
      sim.control.network.heal()
      expect(sim.control.network.autoPartition().active).toBe(false)
      expect(sim.control.network.isPartitioned(0, 1) || sim.control.network.isPartitioned(1, 0)).toBe(false)
      await sim.control.runFor(9_000_000)
      expect(sim.control.network.autoPartition().active).toBe(false)
      await sim.control.runFor(1_000_000)
      expect(sim.control.network.autoPartition().active).toBe(true)
    })
    const changes = autoChanges(sim.world.trace.text())
    expect(changes.map((c) => [c.kind, c.at_ns])).toEqual([
      ['partition', 10_000_000],
      ['partition', 20_000_000],
    ])
  })

  test('each mode draws well-formed sides from the partitionable nodes', async () => {
    for (const partition_mode of ['isolate_single', 'uniform_size', 'uniform_partition'] as const) {
      const sizes = new Set<number>()
      for (let seed = 1; seed <= 40; seed++) {
        const sim = await chatter(
          seed,
          6,
          { ...flapping(1_000_000), partition_mode, partitionable_nodes: [1, 2, 3, 4] },
          20,
        )
        for (const change of autoChanges(sim.world.trace.text())) {
          if (change.kind !== 'partition') continue
          const match = / mode=(\w+) direction=both side_a=([\d,]+) side_b=([\d,]+)/.exec(change.line)
          expect(match?.[1]).toBe(partition_mode)
          const a = (match?.[2] as string).split(',').map(Number)
          const b = (match?.[3] as string).split(',').map(Number)
          expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4, 5])
          for (const node of a) expect([1, 2, 3, 4]).toContain(node)
          if (partition_mode === 'isolate_single') expect(a).toHaveLength(1)
          sizes.add(a.length)
        }
      }
      if (partition_mode === 'isolate_single') expect([...sizes]).toEqual([1])
      else expect(sizes.size).toBeGreaterThan(2)
    }
  })

  test('an automatic partition drops packets across it, and the network carries them again once it heals', async () => {
    const sim = await chatter(8, 3, { ...flapping(20_000_000), partition_direction: 'one_way' }, 200)
    const text = sim.world.trace.text()
    expect(text).toMatch(/network\.partition cause=auto mode=isolate_single direction=one_way/)
    expect(text).toMatch(/reason=partition/)
    const last_heal = text.lastIndexOf('network.heal cause=auto')
    expect(last_heal).toBeGreaterThan(0)
    expect(text.slice(last_heal)).toMatch(/network\.deliver /)
  })
})

describe('swarm runs', () => {
  test('under every fault mix, each packet ends exactly once: delivered or dropped, none lost in a clog or queue', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const faults = drawSwarmNetworkFaults(new Random(parseSeed(seed), 'profile.swarm'))
      const sim = await chatter(seed, 4, faults, 300)
      const net = sim.control.network
      await sim.loop.run(async () => {
        // Calm the network, then let everything in flight land.
        net.setFaults({})
        net.heal()
        net.unclogAll()
        await sim.control.runFor(2_000_000_000)
      })
      expect(net.queues()).toEqual([])
      const text = sim.world.trace.text()
      const ended = new Map<number, number>()
      for (const match of text.matchAll(/network\.(?:deliver|drop) from=\d+ to=\d+ packet=(\d+)/g)) {
        const id = Number(match[1])
        ended.set(id, (ended.get(id) ?? 0) + 1)
      }
      expect(ended.size, `seed ${seed}`).toBe(net.packets_sent)
      for (let id = 0; id < net.packets_sent; id++) expect(ended.get(id), `seed ${seed} packet ${id}`).toBe(1)
    }
  })
})
