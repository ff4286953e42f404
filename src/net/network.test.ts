import { describe, expect, test } from 'vitest'
import { Simulation } from '../sim/simulation.js'
import { summarize } from '../trace/summary.js'
import { BuggifyRate } from '../world/buggify.js'
import { Latency } from './faults.js'
import type { NetworkOptions } from './network.js'

function simulation(network: NetworkOptions, seed = 7): Simulation {
  return new Simulation({ seed, name: 'net', network })
}

describe('packet core: a scripted scenario', () => {
  async function scripted(): Promise<string> {
    const sim = simulation({ nodes: 3, path_capacity: 2, faults: { latency: Latency.uniform(1_000_000, 1_000_000) } })
    const net = sim.control.network
    const a = sim.network.endpoint<string>(0, { describe: (m) => m })
    const b = sim.network.endpoint<string>(1, { describe: (m) => m })
    const c = sim.network.endpoint<string>(2)
    await sim.loop.run(async () => {
      a.send(1, 'one')
      a.send(1, 'two')
      a.send(1, 'three') // the path holds two: queue_full
      net.partition([0], [2], { direction: 'one_way' })
      a.send(2, 'cut') // 0 -> 2 is cut
      c.send(0, 'back') // 2 -> 0 is not
      const first = await b.receive()
      const second = await b.receive()
      sim.env.record('test.received', { first: first.message, second: second.message })
      net.heal()
      net.clog(1, 0, 5_000_000)
      b.send(0, 'clogged')
      await sim.control.runFor(3_000_000)
      expect(net.queue(1, 0)).toMatchObject([{ from: 1, to: 0, held: true }])
      await sim.control.runFor(3_000_000)
      net.setLossiness({ duplicate_rate: BuggifyRate.always() })
      b.send(0, 'twice')
      net.setNode(2, false)
      a.send(2, 'down')
      await sim.control.runFor(3_000_000)
      const got: string[] = []
      for (let received = a.tryReceive(); received !== undefined; received = a.tryReceive()) got.push(received.message)
      sim.env.record('test.inbox', { node: 0, messages: got.join(',') })
    })
    return sim.world.trace.text()
  }

  test('gives these exact trace bytes', async () => {
    const text = await scripted()
    if (process.env.PRINT_TRACE) console.log(text)
    expect(text).toBe(SCRIPTED_TRACE)
  })

  test('gives the same bytes on a second run', async () => {
    expect(await scripted()).toBe(await scripted())
  })
})

describe('packet core: delivery', () => {
  test('packets of a path arrive by (deliver_at, packet id), interleaved with timers through the loop', async () => {
    const sim = simulation({ nodes: 2, faults: { latency: Latency.uniform(0, 10_000_000) } }, 11)
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    const log: string[] = []
    b.onMessage((message) => log.push(`m${message}@${sim.world.clock.nowNsText()}`))
    await sim.loop.run(async () => {
      for (let i = 0; i < 50; i++) a.send(1, i)
      for (let ms = 1; ms <= 10; ms++) sim.timers.setTimeout(() => log.push(`t@${sim.world.clock.nowNsText()}`), ms)
      await sim.control.runFor(11_000_000)
    })
    const sends = [...sim.world.trace.text().matchAll(/network\.send from=0 to=1 packet=(\d+) latency_ns=(\d+)/g)].map((m) => ({
      packet: Number(m[1]),
      at: Number(m[2]),
    }))
    const expected = [...sends].sort((x, y) => x.at - y.at || x.packet - y.packet).map((s) => `m${s.packet}@${s.at}`)
    const messages = log.filter((entry) => entry.startsWith('m'))
    expect(messages).toEqual(expected)
    // Timers and deliveries share one clock: the log is in time order throughout.
    const times = log.map((entry) => Number(entry.split('@')[1]))
    expect(times).toEqual([...times].sort((x, y) => x - y))
    expect(log.filter((entry) => entry.startsWith('t'))).toHaveLength(10)
    // Jitter reorders sends: the test means something only if delivery order differs from send order.
    expect(messages).not.toEqual(sends.map((s) => `m${s.packet}@${s.at}`))
  })

  test('latency stays within its bounds, uniform and exponential, over many packets', async () => {
    for (const latency of [Latency.uniform(2_000_000, 3_000_000), Latency.exponential({ min_ns: 1_000_000, mean_ns: 2_000_000, max_ns: 9_000_000 })]) {
      const sim = simulation({ nodes: 2, path_capacity: 4096, faults: { latency } }, 3)
      const a = sim.network.endpoint<number>(0)
      sim.network.endpoint<number>(1, { inbox_capacity: 4096 })
      await sim.loop.runUntilIdle(() => {
        for (let i = 0; i < 2000; i++) a.send(1, i)
      })
      const drawn = [...sim.world.trace.text().matchAll(/latency_ns=(\d+)/g)].map((m) => Number(m[1]))
      expect(drawn).toHaveLength(2000)
      const min = Math.min(...drawn)
      const max = Math.max(...drawn)
      if (latency.kind === 'uniform') {
        expect(min).toBeGreaterThanOrEqual(2_000_000)
        expect(max).toBeLessThanOrEqual(5_000_000)
        expect(max - min).toBeGreaterThan(2_900_000)
      } else {
        expect(min).toBeGreaterThanOrEqual(1_000_000)
        expect(max).toBe(9_000_000) // the tail is cut at max_ns, and a mean of 2 ms reaches it in 2000 draws
        const mean = drawn.reduce((sum, x) => sum + x, 0) / drawn.length
        expect(mean).toBeGreaterThan(2_500_000)
        expect(mean).toBeLessThan(3_300_000)
      }
      expect(sim.world.clock.nowNsText()).toBe(String(max))
    }
  })

  test('a full path drops with queue_full, and frees up as packets arrive', async () => {
    const sim = simulation({ nodes: 2, path_capacity: 3 })
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    await sim.loop.run(async () => {
      for (let i = 0; i < 5; i++) a.send(1, i)
      expect(sim.control.network.queue(0, 1).map((p) => p.packet)).toEqual([0, 1, 2])
      await b.receive()
      await b.receive()
      await b.receive()
      a.send(1, 5)
      expect((await b.receive()).message).toBe(5)
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.drop from=0 to=1 packet=3 reason=queue_full')
    expect(text).toContain('network.drop from=0 to=1 packet=4 reason=queue_full')
    expect(text.match(/reason=queue_full/g)).toHaveLength(2)
    expect(text).toContain('network.deliver from=0 to=1 packet=5')
  })

  test('a one-way partition cuts one direction only, and drops packets already in flight on it', async () => {
    const sim = simulation({ nodes: 2 })
    const a = sim.network.endpoint<string>(0)
    const b = sim.network.endpoint<string>(1)
    await sim.loop.run(async () => {
      a.send(1, 'in flight')
      sim.control.network.partition([0], [1], { direction: 'one_way' })
      expect(sim.control.network.isPartitioned(0, 1)).toBe(true)
      expect(sim.control.network.isPartitioned(1, 0)).toBe(false)
      a.send(1, 'at send')
      b.send(0, 'reverse')
      expect(await a.receive()).toEqual({ from: 1, message: 'reverse' })
      await sim.control.runFor(5_000_000)
      expect(b.inbox_size).toBe(0)
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.drop from=0 to=1 packet=0 reason=partition')
    expect(text).toContain('network.drop from=0 to=1 packet=1 reason=partition')
    expect(text).toContain('network.deliver from=1 to=0 packet=2')
  })

  test('duplication sends a second copy with its own id and latency; both arrive', async () => {
    const sim = simulation({ nodes: 2, faults: { duplicate_rate: BuggifyRate.always(), latency: Latency.uniform(1_000, 5_000_000) } })
    const a = sim.network.endpoint<{ n: number }>(0)
    const b = sim.network.endpoint<{ n: number }>(1)
    const message = { n: 1 }
    const got: { n: number }[] = []
    await sim.loop.run(async () => {
      a.send(1, message)
      got.push((await b.receive()).message, (await b.receive()).message)
    })
    expect(got[0]).toBe(message) // typed endpoints deliver the value itself
    expect(got[1]).toBe(message)
    const text = sim.world.trace.text()
    expect(text).toMatch(/network\.duplicate from=0 to=1 packet=0 copy=1 latency_ns=\d+/)
    expect(text.match(/network\.deliver /g)).toHaveLength(2)
  })

  test('loss drops at send with reason=loss at about its rate', async () => {
    const sim = simulation({ nodes: 2, path_capacity: 2000, faults: { loss_rate: BuggifyRate.percent(30) } })
    const a = sim.network.endpoint<number>(0)
    sim.network.endpoint<number>(1, { inbox_capacity: 2000 })
    await sim.loop.run(async () => {
      for (let i = 0; i < 1000; i++) a.send(1, i)
    })
    const lost = sim.world.trace.text().match(/reason=loss/g)?.length ?? 0
    expect(lost).toBeGreaterThan(240)
    expect(lost).toBeLessThan(360)
  })

  test('down nodes and links drop, both at send and on arrival', async () => {
    const sim = simulation({ nodes: [3, 5, 9] })
    const net = sim.control.network
    const a = sim.network.endpoint<number>(3)
    const b = sim.network.endpoint<number>(5)
    await sim.loop.run(async () => {
      a.send(5, 1)
      net.setNode(5, false)
      a.send(5, 2)
      await sim.control.runFor(2_000_000)
      net.setNode(5, true)
      net.setLink(3, 5, false)
      expect(net.isLinkUp(3, 5)).toBe(false)
      expect(net.isLinkUp(5, 3)).toBe(true)
      a.send(5, 3)
      b.send(3, 4)
      expect((await a.receive()).message).toBe(4)
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.drop from=3 to=5 packet=0 reason=node_down')
    expect(text).toContain('network.drop from=3 to=5 packet=1 reason=node_down')
    expect(text).toContain('network.drop from=3 to=5 packet=2 reason=link_down')
    expect(text).toContain('network.deliver from=5 to=3 packet=3')
  })

  test('a clog holds packets in order and releases them when it ends, without losing any', async () => {
    const sim = simulation({ nodes: 2, faults: { latency: Latency.uniform(100_000, 900_000) } }, 5)
    const net = sim.control.network
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    const arrivals: string[] = []
    b.onMessage((message) => arrivals.push(`${message}@${sim.world.clock.nowNsText()}`))
    await sim.loop.run(async () => {
      net.clog(0, 1)
      for (let i = 0; i < 10; i++) a.send(1, i)
      await sim.control.runFor(5_000_000)
      expect(arrivals).toEqual([])
      expect(net.queue(0, 1).every((p) => p.held)).toBe(true)
      net.unclog(0, 1)
      await sim.control.runFor(1_000_000)
    })
    const order = [...sim.world.trace.text().matchAll(/network\.send from=0 to=1 packet=(\d+) latency_ns=(\d+)/g)]
      .map((m) => ({ packet: Number(m[1]), at: Number(m[2]) }))
      .sort((x, y) => x.at - y.at || x.packet - y.packet)
      .map((s) => `${s.packet}@5000000`)
    expect(arrivals).toEqual(order)
    expect(sim.world.trace.text()).toContain('network.unclog from=0 to=1 cause=control released=10 now_ns=5000000')
  })

  test('a timed clog ends at its deadline by itself, even with no tick', async () => {
    const sim = simulation({ nodes: 2 })
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    await sim.loop.run(async () => {
      sim.control.network.clog(0, 1, 7_500_000)
      a.send(1, 1)
      await b.receive()
    })
    expect(sim.world.clock.nowNsText()).toBe('7500000')
    expect(sim.world.trace.text()).toContain('network.unclog from=0 to=1 cause=expired released=1 now_ns=7500000')
  })

  test('a full inbox drops with inbox_full; a closed or missing endpoint with no_endpoint', async () => {
    const sim = simulation({ nodes: 3 })
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1, { inbox_capacity: 2 })
    await sim.loop.run(async () => {
      for (let i = 0; i < 3; i++) a.send(1, i)
      a.send(2, 9)
      await sim.control.runFor(2_000_000)
      expect(b.inbox_size).toBe(2)
      b.close()
      a.send(1, 4)
      await sim.control.runFor(2_000_000)
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.drop from=0 to=1 packet=2 reason=inbox_full')
    expect(text).toContain('network.drop from=0 to=2 packet=3 reason=no_endpoint')
    expect(text).toContain('network.close node=1 discarded=2')
    expect(text).toContain('network.drop from=0 to=1 packet=4 reason=no_endpoint')
  })

  test('a waiting receive keeps nothing alive: with nothing in flight the run stalls, as in Node', async () => {
    const sim = simulation({ nodes: 2 })
    const b = sim.network.endpoint<number>(1)
    await expect(sim.loop.run(() => b.receive())).rejects.toThrow(/stalled/)
  })
})

describe('control.network operations', () => {
  test('isolate, healLinks, unclogAll and queues act on exactly the paths they name', async () => {
    const sim = simulation({ nodes: 4 })
    const net = sim.control.network
    const [e0, e1, , e3] = [0, 1, 2, 3].map((node) => sim.network.endpoint<number>(node))
    await sim.loop.run(async () => {
      net.isolate(3)
      for (const other of [0, 1, 2]) {
        expect(net.isPartitioned(3, other)).toBe(true)
        expect(net.isPartitioned(other, 3)).toBe(true)
      }
      expect(net.isPartitioned(0, 1)).toBe(false)
      net.healLinks([3], [0], { direction: 'one_way' })
      expect(net.isPartitioned(3, 0)).toBe(false)
      expect(net.isPartitioned(0, 3)).toBe(true)
      net.clog(0, 1)
      net.clog(1, 2, 50_000_000)
      expect(net.isClogged(0, 1) && net.isClogged(1, 2)).toBe(true)
      e0?.send(1, 10)
      e1?.send(2, 11)
      e3?.send(0, 12)
      expect(net.queues().map((p) => [p.from, p.to, p.packet])).toEqual([
        [0, 1, 0],
        [1, 2, 1],
        [3, 0, 2],
      ])
      expect(net.packets_sent).toBe(3)
      await sim.control.runFor(2_000_000)
      expect(net.queues().map((p) => [p.packet, p.held])).toEqual([
        [0, true],
        [1, true],
      ])
      net.unclogAll()
      expect(net.isClogged(0, 1) || net.isClogged(1, 2)).toBe(false)
      await sim.control.runFor(1_000_000)
      expect(net.queues()).toEqual([])
      net.heal()
      expect(net.isPartitioned(0, 3)).toBe(false)
    })
    const text = sim.world.trace.text()
    expect(text).toContain('network.partition cause=control direction=both side_a=3 side_b=0,1,2')
    expect(text).toContain('network.heal_links direction=one_way side_a=3 side_b=0')
    expect(text).toContain('network.clog from=0 to=1 until_ns=none cause=control')
    expect(text).toContain('network.clog from=1 to=2 until_ns=50000000 cause=control')
    expect(text).toContain('network.unclog from=0 to=1 cause=control released=1 now_ns=2000000')
  })

  test('the trace summary counts the network: sends, deliveries, drops by reason and by link', async () => {
    const sim = simulation({ nodes: 2, path_capacity: 1 })
    const a = sim.network.endpoint<number>(0)
    const b = sim.network.endpoint<number>(1)
    await sim.loop.run(async () => {
      a.send(1, 1)
      a.send(1, 2) // queue_full
      await b.receive()
      b.send(0, 3)
      await a.receive()
    })
    const summary = summarize(sim.world.trace.text()).writeSummary()
    expect(summary).toContain('summary.network sends=3 deliveries=2 drops=1\n')
    expect(summary).toContain('summary.network.drop reason=queue_full count=1\n')
    expect(summary).toContain('summary.network.link link=0->1 sends=2 deliveries=1 drops=1\n')
    expect(summary).toContain('summary.network.link link=1->0 sends=1 deliveries=1 drops=0\n')
  })

  test('with schedule exploration on, deliveries due together are reordered by seed, still the same bytes on replay', async () => {
    const scenario = async (seed: number): Promise<string> => {
      const sim = new Simulation({ seed, explore: true, network: { nodes: 3 } })
      const a = sim.network.endpoint<number>(0)
      const b = sim.network.endpoint<number>(1)
      const c = sim.network.endpoint<number>(2)
      const order: number[] = []
      c.onMessage((message) => order.push(message))
      await sim.loop.run(async () => {
        for (let i = 0; i < 5; i++) {
          a.send(2, i)
          b.send(2, 10 + i)
        }
        await sim.control.runFor(2_000_000)
      })
      sim.world.record('test.order', { order: order.join(',') })
      return sim.world.trace.text()
    }
    const first = await scenario(1)
    expect(await scenario(1)).toBe(first)
    expect(first).toMatch(/scheduler\.choose/)
    const orders = new Set<string>()
    for (let seed = 1; seed <= 10; seed++) orders.add(/test\.order order=(\S+)/.exec(await scenario(seed))?.[1] as string)
    expect(orders.size).toBeGreaterThan(1)
  })
})

const SCRIPTED_TRACE = [
  'run.name value=net',
  'run.attribute key=seed type=int value=7',
  'event=0 network.start nodes=0,1,2 path_capacity=2 inbox_capacity=1024',
  'event=1 network.faults cause=start loss_rate=never duplicate_rate=never latency=uniform:1000000:1000000 clog_rate=never clog_duration_min_ns=10000000 clog_duration_jitter_ns=0 partition_rate=never unpartition_rate=never partition_stability_min_ns=100000000 unpartition_stability_min_ns=100000000 partition_mode=isolate_single partition_direction=both partitionable_nodes=all',
  'event=2 network.send from=0 to=1 packet=0 latency_ns=1536367 msg=one',
  'event=3 network.send from=0 to=1 packet=1 latency_ns=1999517 msg=two',
  'event=4 network.send from=0 to=1 packet=2 msg=three',
  'event=5 network.drop from=0 to=1 packet=2 reason=queue_full',
  'event=6 network.partition cause=control direction=one_way side_a=0 side_b=2',
  'event=7 network.send from=0 to=2 packet=3 msg=cut',
  'event=8 network.drop from=0 to=2 packet=3 reason=partition',
  'event=9 network.send from=2 to=0 packet=4 latency_ns=1303964',
  'event=10 network.deliver from=2 to=0 packet=4',
  'event=11 network.deliver from=0 to=1 packet=0',
  'event=12 network.deliver from=0 to=1 packet=1',
  'event=13 test.received first=one second=two',
  'event=14 network.heal cause=control',
  'event=15 network.clog from=1 to=0 until_ns=6999517 cause=control',
  'event=16 network.send from=1 to=0 packet=5 latency_ns=1401654 msg=clogged',
  'event=17 world.run_for duration_ns=3000000 end_ns=4999517',
  'event=18 world.tick tick=0 now_ns=2999517',
  'event=19 world.tick tick=1 now_ns=3999517',
  'event=20 world.tick tick=2 now_ns=4999517',
  'event=21 world.run_for duration_ns=3000000 end_ns=7999517',
  'event=22 world.tick tick=3 now_ns=5999517',
  'event=23 network.unclog from=1 to=0 cause=expired released=1 now_ns=6999517',
  'event=24 world.tick tick=4 now_ns=6999517',
  'event=25 network.deliver from=1 to=0 packet=5',
  'event=26 world.tick tick=5 now_ns=7999517',
  'event=27 network.faults cause=set_lossiness loss_rate=never duplicate_rate=always latency=uniform:1000000:1000000 clog_rate=never clog_duration_min_ns=10000000 clog_duration_jitter_ns=0 partition_rate=never unpartition_rate=never partition_stability_min_ns=100000000 unpartition_stability_min_ns=100000000 partition_mode=isolate_single partition_direction=both partitionable_nodes=all',
  'event=28 network.send from=1 to=0 packet=6 latency_ns=1925783 msg=twice',
  'event=29 network.duplicate from=1 to=0 packet=6 copy=7 latency_ns=1372838',
  'event=30 network.node node=2 up=false',
  'event=31 network.send from=0 to=2 packet=8 msg=down',
  'event=32 network.drop from=0 to=2 packet=8 reason=node_down',
  'event=33 world.run_for duration_ns=3000000 end_ns=10999517',
  'event=34 world.tick tick=6 now_ns=8999517',
  'event=35 network.deliver from=1 to=0 packet=7',
  'event=36 network.deliver from=1 to=0 packet=6',
  'event=37 world.tick tick=7 now_ns=9999517',
  'event=38 world.tick tick=8 now_ns=10999517',
  'event=39 test.inbox node=0 messages=back,clogged,twice,twice',
  '',
].join('\n')
