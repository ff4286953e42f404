import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { World } from '../world/world.js'
import { escapeTraceText } from '../world/trace.js'
import { MalformedTrace, Summary, summarize } from './index.js'

const FIXTURE = new URL('./fixtures/replicated_register_smoke.trace', import.meta.url)

/** Numbers event lines (`event=<n> ` prefixes) so tests can write traces without counting. */
function trace(header: readonly string[], events: readonly string[]): string {
  return [...header, ...events.map((line, n) => `event=${n} ${line}`)].map((line) => line + '\n').join('')
}

function malformed(text: string | Uint8Array): MalformedTrace {
  try {
    summarize(text)
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedTrace)
    return error as MalformedTrace
  }
  throw new Error('summarize accepted a malformed trace')
}

describe('summarize', () => {
  it('summarizes the replicated register smoke trace', () => {
    const summary = summarize(readFileSync(FIXTURE))
    expect(summary).toBeInstanceOf(Summary)
    expect(summary.writeSummary()).toMatchInlineSnapshot(`
      "summary.run name=replicated_register
      summary.tag value=smoke
      summary.tag value=network
      summary.attribute key=seed type=int value=12648430
      summary.attribute key=nodes type=int value=3
      summary.attribute key=loss_rate type=float value=0.1
      summary.attribute key=buggify type=bool value=true
      summary.attribute key=scenario type=text value="three nodes, one partition (\\u2192 heal)"
      summary.events total=45 names=14
      summary.final_now_ns value=50000000
      summary.subsystem name=check events=1
      summary.subsystem name=network events=24
      summary.subsystem name=register events=14
      summary.subsystem name=world events=6
      summary.top name=network.send events=11
      summary.top name=network.deliver events=7
      summary.top name=world.tick events=5
      summary.top name=network.drop events=4
      summary.top name=register.apply events=3
      summary.top name=register.retry events=3
      summary.top name=register.start events=3
      summary.top name=register.read events=2
      summary.singleton name=check
      summary.singleton name=network.heal
      summary.singleton name=network.partition
      summary.singleton name=register.commit
      summary.singleton name=world.run_for
      summary.network sends=11 deliveries=7 drops=4
      summary.network.drop reason=loss count=1
      summary.network.drop reason=partition count=2
      summary.network.drop reason=queue_full count=1
      summary.network.link link=0->1 sends=3 deliveries=3 drops=0
      summary.network.link link=0->2 sends=4 deliveries=1 drops=3
      summary.network.link link=1->0 sends=3 deliveries=2 drops=1
      summary.network.link link=2->0 sends=1 deliveries=1 drops=0
      "
    `)
  })

  it('exposes the same facts as data', () => {
    const summary = summarize(readFileSync(FIXTURE, 'latin1'))
    expect(summary.run_name).toBe('replicated_register')
    expect(summary.tags).toEqual(['smoke', 'network'])
    expect(summary.attributes.find((a) => a.key === 'scenario')).toEqual({
      key: 'scenario',
      type: 'text',
      value: 'three nodes, one partition (→ heal)',
    })
    expect(escapeTraceText('three nodes, one partition (→ heal)')).toBe('three%20nodes,%20one%20partition%20(%E2%86%92%20heal)')
    expect(summary.event_count).toBe(45)
    expect(summary.final_now_ns).toBe(50_000_000n)
    expect(summary.singletons).toContain('register.commit')
    expect(summary.network?.links.map((l) => l.link)).toEqual(['0->1', '0->2', '1->0', '2->0'])
  })

  it('passes the text to write, in one call, and returns it', () => {
    const chunks: string[] = []
    const text = summarize(readFileSync(FIXTURE)).writeSummary((chunk) => chunks.push(chunk))
    expect(chunks).toEqual([text])
  })

  it('gives identical text for the same bytes, as bytes or as a string', () => {
    const bytes = readFileSync(FIXTURE)
    const first = summarize(bytes).writeSummary()
    const second = summarize(new Uint8Array(bytes)).writeSummary()
    const third = summarize(bytes.toString('latin1')).writeSummary()
    expect(second).toBe(first)
    expect(third).toBe(first)
  })

  it('reads a Uint8Array view into a larger buffer', () => {
    const text = trace(['run.name value=view'], ['a.b now_ns=5'])
    const padded = Buffer.from('xxxx' + text + 'yyyy', 'latin1')
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 4, padded.length - 8)
    expect(summarize(view).writeSummary()).toBe(summarize(text).writeSummary())
  })

  it('summarizes a header-only trace', () => {
    const text = trace(['run.name value=empty', 'run.attribute key=seed type=int value=1'], [])
    expect(summarize(text).writeSummary()).toMatchInlineSnapshot(`
      "summary.run name=empty
      summary.attribute key=seed type=int value=1
      summary.events total=0 names=0
      summary.final_now_ns value=unknown
      "
    `)
  })

  it('summarizes zero bytes', () => {
    expect(summarize('').writeSummary()).toBe('summary.events total=0 names=0\nsummary.final_now_ns value=unknown\n')
    expect(summarize(new Uint8Array(0)).event_count).toBe(0)
  })

  it('prints unknown when no event has now_ns or end_ns, and omits the network section without network events', () => {
    const summary = summarize(trace([], ['kv.put key=a', 'kv.get key=a at_ns=900', 'boot']))
    expect(summary.final_now_ns).toBeNull()
    expect(summary.network).toBeNull()
    expect(summary.writeSummary()).toMatchInlineSnapshot(`
      "summary.events total=3 names=3
      summary.final_now_ns value=unknown
      summary.subsystem name=boot events=1
      summary.subsystem name=kv events=2
      summary.top name=boot events=1
      summary.top name=kv.get events=1
      summary.top name=kv.put events=1
      summary.singleton name=boot
      summary.singleton name=kv.get
      summary.singleton name=kv.put
      "
    `)
  })

  it('takes the largest now_ns or end_ns, wherever it appears, as exact integers', () => {
    const summary = summarize(
      trace([], ['a now_ns=30', 'b end_ns=18446744073709551615', 'c now_ns=9007199254740993', 'd now_ns=40']),
    )
    expect(summary.final_now_ns).toBe(18446744073709551615n)
    expect(summary.writeSummary()).toContain('summary.final_now_ns value=18446744073709551615\n')
  })

  it('breaks ties in the top list by name and keeps only eight names', () => {
    const events: string[] = []
    for (const name of ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']) events.push(`z.${name}`, `z.${name}`)
    events.push('y.big', 'y.big', 'y.big')
    const summary = summarize(trace([], events))
    expect(summary.top.map(({ name, events }) => `${name}=${events}`)).toEqual([
      'y.big=3',
      'z.a=2',
      'z.b=2',
      'z.c=2',
      'z.d=2',
      'z.e=2',
      'z.f=2',
      'z.g=2',
    ])
    expect(summary.singletons).toEqual([])
  })

  it('counts network events per link and per drop reason, sorting node numbers by value', () => {
    const summary = summarize(
      trace(
        [],
        [
          'network.send from=10 to=2',
          'network.send from=2 to=10',
          'network.drop from=2 to=10 reason=partition',
          'network.send from=client to=2',
          'network.deliver from=client to=2',
          'network.drop from=10 to=2',
          'network.partition nodes=2',
        ],
      ),
    )
    expect(summary.writeSummary()).toMatchInlineSnapshot(`
      "summary.events total=7 names=4
      summary.final_now_ns value=unknown
      summary.subsystem name=network events=7
      summary.top name=network.send events=3
      summary.top name=network.drop events=2
      summary.top name=network.deliver events=1
      summary.top name=network.partition events=1
      summary.singleton name=network.deliver
      summary.singleton name=network.partition
      summary.network sends=3 deliveries=1 drops=2
      summary.network.drop reason=- count=1
      summary.network.drop reason=partition count=1
      summary.network.link link=2->10 sends=1 deliveries=0 drops=1
      summary.network.link link=10->2 sends=1 deliveries=0 drops=1
      summary.network.link link=client->2 sends=1 deliveries=1 drops=0
      "
    `)
  })

  it('keeps a text attribute on one line however odd the text', () => {
    const text = trace([`run.attribute key=note type=text value=${escapeTraceText('a "b"\nc\\d é')}`], [])
    expect(summarize(text).writeSummary()).toContain('summary.attribute key=note type=text value="a \\"b\\"\\nc\\\\d \\u00e9"\n')
  })

  describe('rejects malformed traces, naming the line', () => {
    it('a line that is neither a header nor an event', () => {
      const error = malformed('run.name value=x\nevent=0 a.b\nhello world\n')
      expect(error.line).toBe(3)
      expect(error.message).toBe(
        'malformed trace at line 3: expected "event=<n> <name> key=value ..." or a run.name/run.tag/run.attribute header line, got "hello world"',
      )
    })

    it('an event number out of sequence', () => {
      const error = malformed('event=0 a\nevent=2 b\n')
      expect(error.line).toBe(2)
      expect(error.message).toMatch(/line 2: expected event=1, got event=2/)
      expect(malformed('event=1 a\n').message).toMatch(/line 1: expected event=0, got event=1/)
      expect(malformed('event=0 a\nevent=0 b\n').line).toBe(2)
      expect(malformed('event=00 a\n').message).toMatch(/line 1: bad event number/)
      expect(malformed('event=x a\n').line).toBe(1)
    })

    it('a bad event name or field', () => {
      expect(malformed('event=0\n').message).toMatch(/line 1: expected an event name/)
      expect(malformed('event=0 Bad.Name\n').message).toMatch(/line 1: expected an event name/)
      expect(malformed('event=0 a novalue\n').message).toMatch(/line 1: event a: expected key=value/)
      expect(malformed('event=0 a k=v=w\n').line).toBe(1)
      expect(malformed('event=0 a  k=v\n').message).toMatch(/line 1: empty field/)
      expect(malformed('event=0 a k=v \n').message).toMatch(/line 1: empty field/)
      expect(malformed('event=0 a k=1 k=2\n').message).toMatch(/line 1: event a: field k appears twice/)
      expect(malformed('event=0 a now_ns=soon\n').message).toMatch(/line 1: event a: now_ns=soon is not a decimal integer/)
    })

    it('bad header lines', () => {
      expect(malformed('run.name value=\n').line).toBe(1)
      expect(malformed('run.name\n').line).toBe(1)
      expect(malformed('run.name value=a\nrun.name value=b\n').message).toMatch(/line 2: a second run.name/)
      expect(malformed('run.attribute key=a type=string value=b\n').message).toMatch(/line 1: expected "run.attribute/)
      expect(malformed('run.attribute key=a value=b\n').line).toBe(1)
      expect(malformed('run.color value=red\n').message).toMatch(/line 1: unknown header line/)
      expect(malformed('event=0 a\nrun.tag value=late\n').message).toMatch(/line 2: header line .* after the first event/)
    })

    it('bad characters, blank lines and a missing final newline', () => {
      expect(malformed('event=0 a\r\n').message).toMatch(/line 1: carriage return/)
      expect(malformed('event=0 a\n\nevent=1 b\n').line).toBe(2)
      expect(malformed('event=0 a k=\t\n').message).toMatch(/line 1: character 0x09 at column 13/)
      expect(malformed(new Uint8Array([...Buffer.from('event=0 a k='), 0xc3, 0xa9, 0x0a])).message).toMatch(
        /line 1: character 0xc3/,
      )
      expect(malformed('event=0 a\nevent=1 b').message).toMatch(/line 2: the last line has no terminating newline/)
    })
  })

  it('summarizes a trace written by World', () => {
    const world = new World({ seed: 7, name: 'x', tags: ['unit'], attributes: { owner: 'ana maría', retries: 3 } })
    world.record('world.tick', { tick: 0, now_ns: '1000000' })
    world.record('network.send', { from: 0, to: 1, bytes: 12 })
    world.record('network.drop', { from: 0, to: 1, reason: 'loss' })
    world.record('network.send', { from: 1, to: 0, bytes: 12 })
    world.record('network.deliver', { from: 1, to: 0, now_ns: 1_250_000n })
    world.recordFields('kv.put', { key: 'user 1', value: 'α' })
    world.record('world.run_for', { duration_ns: 5_000_000, end_ns: '6000000' })
    world.record('world.tick', { tick: 1, now_ns: '2000000' })
    const summary = summarize(world.trace.text())
    expect(summary.event_count).toBe(world.trace.event_count)
    expect(summarize(world.trace.bytes()).writeSummary()).toBe(summary.writeSummary())
    expect(summary.writeSummary()).toMatchInlineSnapshot(`
      "summary.run name=x
      summary.tag value=unit
      summary.attribute key=seed type=int value=7
      summary.attribute key=owner type=text value="ana mar\\u00eda"
      summary.attribute key=retries type=int value=3
      summary.events total=8 names=6
      summary.final_now_ns value=6000000
      summary.subsystem name=kv events=1
      summary.subsystem name=network events=4
      summary.subsystem name=world events=3
      summary.top name=network.send events=2
      summary.top name=world.tick events=2
      summary.top name=kv.put events=1
      summary.top name=network.deliver events=1
      summary.top name=network.drop events=1
      summary.top name=world.run_for events=1
      summary.singleton name=kv.put
      summary.singleton name=network.deliver
      summary.singleton name=network.drop
      summary.singleton name=world.run_for
      summary.network sends=2 deliveries=1 drops=1
      summary.network.drop reason=loss count=1
      summary.network.link link=0->1 sends=1 deliveries=0 drops=1
      summary.network.link link=1->0 sends=1 deliveries=1 drops=0
      "
    `)
  })
})
