import { describe, expect, test } from 'vitest'
import {
  escapeTraceText,
  InvalidTracePayload,
  Trace,
  TraceLimitExceeded,
  unescapeTraceText,
} from './trace.js'

describe('Trace', () => {
  test('writes a header and numbered events, byte for byte', () => {
    const trace = new Trace()
    trace.setRunName('retry-queue')
    trace.addTag('smoke')
    trace.setAttribute('seed', 12648430n)
    trace.setAttribute('replicas', 3)
    trace.setAttribute('faults', true)
    trace.setAttribute('loss', 0.25)
    trace.setAttribute('note', 'two words')
    trace.record('queue.lease', { job: 7, worker: 1, deadline_ns: 5_000_000n, ok: true })
    trace.record('queue.timeout')
    expect(trace.text()).toBe(
      'run.name value=retry-queue\n' +
        'run.tag value=smoke\n' +
        'run.attribute key=seed type=int value=12648430\n' +
        'run.attribute key=replicas type=int value=3\n' +
        'run.attribute key=faults type=bool value=true\n' +
        'run.attribute key=loss type=float value=0.25\n' +
        'run.attribute key=note type=text value=two%20words\n' +
        'event=0 queue.lease job=7 worker=1 deadline_ns=5000000 ok=true\n' +
        'event=1 queue.timeout\n',
    )
    expect(trace.event_count).toBe(2)
    expect(Buffer.from(trace.bytes()).toString('latin1')).toBe(trace.text())
  })

  test.each(['Queue.lease', 'queue lease', 'queue-lease', '', 'queue=x', 'ü'])('rejects the event name %j', (name) => {
    expect(() => new Trace().record(name)).toThrow(InvalidTracePayload)
  })

  test.each(['Key', 'a b', 'a=b', ''])('rejects the field key %j', (key) => {
    expect(() => new Trace().record('x', { [key]: 1 })).toThrow(InvalidTracePayload)
  })

  test.each(['two words', 'a=b', 'line\nbreak', 'tab\there', 'back\\slash', 'caf\u00e9', 'bell\u0007'])(
    'record rejects the raw value %j; recordFields escapes it',
    (value) => {
      const trace = new Trace()
      expect(() => trace.record('x', { v: value })).toThrow(InvalidTracePayload)
      expect(() => trace.record('x', { v: value })).toThrow(/recordFields/)
      trace.recordFields('x', { v: value })
      const line = trace.text().trim()
      expect(line).toMatch(/^event=0 x v=[\x21-\x7e]+$/)
      expect(unescapeTraceText(line.slice('event=0 x v='.length))).toBe(value)
    },
  )

  test('recordFields writes what record writes with every string escaped, numbers of every size exactly', () => {
    const values = ['/data/kv.wal', '100%', 'a b', '', 'é', '%41', 0, 9, 10, 2147483647, 2147483648, Number.MAX_SAFE_INTEGER, -1, 1.5, 12n, true]
    const direct = new Trace()
    const escaped = new Trace()
    for (const value of values) {
      direct.record('x', { v: typeof value === 'string' ? escapeTraceText(value) : value, n: 7 })
      escaped.recordFields('x', { v: value, n: 7 })
    }
    expect(escaped.text()).toBe(direct.text())
    expect(direct.text()).toContain('v=2147483648 n=7')
    expect(direct.text()).toContain(`v=${Number.MAX_SAFE_INTEGER} n=7`)
  })

  test('recordFields near max_bytes takes the string-building path with the same escaping', () => {
    // 'event=0 x path=' + 1004 escaped characters + ' n=5' + newline: exactly max_bytes, which only the string path accepts.
    const text = 'a b'.repeat(200) + 'abcd'
    const trace = new Trace({ max_bytes: 1024 })
    trace.recordFields('x', { path: text, n: 5 })
    expect(trace.text()).toBe(`event=0 x path=${escapeTraceText(text)} n=5\n`)
    expect(trace.size_bytes).toBe(1024)
    expect(() => trace.recordFields('x', { path: 'a b' })).toThrow(TraceLimitExceeded)
  })

  test('rejects non-finite numbers and unsupported types', () => {
    expect(() => new Trace().record('x', { v: Number.NaN })).toThrow(/finite/)
    expect(() => new Trace().record('x', { v: {} as never })).toThrow(InvalidTracePayload)
  })

  test('header lines after the first event are rejected', () => {
    const trace = new Trace()
    trace.record('x')
    expect(() => trace.addTag('late')).toThrow(/before the first event/)
  })

  test('escaping is stable, reversible and leaves plain ASCII alone', () => {
    expect(escapeTraceText('/data/kv.wal')).toBe('/data/kv.wal')
    expect(escapeTraceText('100%')).toBe('100%25')
    expect(escapeTraceText('a b=c\\d')).toBe('a%20b%3Dc%5Cd')
    for (const text of ['', '%', '%2', 'é€😀', ' = \n\t\\ %41']) expect(unescapeTraceText(escapeTraceText(text))).toBe(text)
  })

  test('a size limit fails with a clear, sticky error instead of exhausting memory', () => {
    const trace = new Trace({ max_bytes: 4096 })
    let thrown: unknown = null
    try {
      for (let i = 0; i < 10_000; i++) trace.record('tick', { i })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TraceLimitExceeded)
    expect(String((thrown as Error).message)).toMatch(/size limit of 4096 bytes/)
    expect(trace.limit_error).toBe(thrown)
    expect(trace.size_bytes).toBeLessThanOrEqual(4096)
    expect(trace.text().endsWith('\n')).toBe(true)
  })

  test('writes every kind of value exactly as String() would, and a rejected value leaves no partial line', () => {
    const values: (string | number | bigint | boolean)[] = [
      0, -0, 7, 9, 10, 99, 100, 4294967295, 4294967296, 2 ** 53 - 1, 2 ** 53, 1e21, -1, -12.5, 0.1, 1.5e-7,
      123456789012345, 99999999999999, 10n ** 30n, -5n, true, false, '', 'plain', 'a,b:c/d%', '~!@#$',
    ]
    const trace = new Trace()
    let expected = ''
    values.forEach((value, i) => {
      trace.record('kind.value', { i, value, tail: 'x' })
      expected += `event=${i} kind.value i=${i} value=${String(value)} tail=x\n`
    })
    expect(trace.text()).toBe(expected)
    const before = trace.size_bytes
    expect(() => trace.record('kind.value', { a: 1, b: 'two words', c: 3 })).toThrow(InvalidTracePayload)
    expect(() => trace.record('kind.value', { a: 1, b: Number.NaN })).toThrow(/must be finite/)
    expect(() => trace.record('kind.value', { a: 1, 'B': 2 })).toThrow(InvalidTracePayload)
    expect(trace.size_bytes).toBe(before)
    expect(trace.event_count).toBe(values.length)
    trace.record('kind.after')
    expect(trace.text()).toBe(expected + `event=${values.length} kind.after\n`)
  })

  test('grows past its initial buffer without corrupting earlier lines', () => {
    const trace = new Trace()
    for (let i = 0; i < 20_000; i++) trace.record('world.tick', { tick: i, now_ns: i * 1000 })
    const lines = trace.text().trimEnd().split('\n')
    expect(lines).toHaveLength(20_000)
    expect(lines[0]).toBe('event=0 world.tick tick=0 now_ns=0')
    expect(lines[19_999]).toBe('event=19999 world.tick tick=19999 now_ns=19999000')
  })
})
