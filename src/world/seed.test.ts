import { describe, expect, test } from 'vitest'
import { InvalidSeed, parseSeed, streamState } from './seed.js'

describe('parseSeed', () => {
  test('accepts decimal u64, 0x hex and git hashes, with canonical text', () => {
    expect(parseSeed('12648430')).toMatchObject({ kind: 'u64', text: '12648430' })
    expect(parseSeed('0xC0FFEE')).toMatchObject({ kind: 'u64', text: '12648430' })
    expect(parseSeed(12648430)).toMatchObject({ kind: 'u64', text: '12648430' })
    expect(parseSeed(12648430n)).toMatchObject({ kind: 'u64', text: '12648430' })
    expect(parseSeed('18446744073709551615').text).toBe('18446744073709551615')
    expect(parseSeed('0xffffffffffffffff').text).toBe('18446744073709551615')
    const git = parseSeed('3F786850E387550FDAB836ED7E6DC881DE23001B')
    expect(git).toMatchObject({ kind: 'git', text: '3f786850e387550fdab836ed7e6dc881de23001b' })
    expect(git.words).toHaveLength(3)
  })

  test.each([
    ['12x', 'not a recognised form'],
    ['-1', 'not a recognised form'],
    ['', 'it is empty'],
    ['18446744073709551616', 'out of the unsigned 64-bit range'],
    ['0x1ffffffffffffffff', 'at most 16 digits'],
    ['3f786850e387550fdab836ed7e6dc881de23001', 'not a recognised form'],
    ['1.5', 'not a recognised form'],
  ])('rejects %j with a message listing the accepted forms', (input, reason) => {
    expect(() => parseSeed(input)).toThrow(InvalidSeed)
    expect(() => parseSeed(input)).toThrow(reason)
    expect(() => parseSeed(input)).toThrow(/decimal unsigned 64-bit integer .* 0x-prefixed hexadecimal .* 40-character git commit hash/)
  })

  test('rejects unsafe and negative numbers and out-of-range bigints', () => {
    expect(() => parseSeed(2 ** 60)).toThrow(/safe integer/)
    expect(() => parseSeed(-3)).toThrow(InvalidSeed)
    expect(() => parseSeed(1.5)).toThrow(InvalidSeed)
    expect(() => parseSeed(1n << 64n)).toThrow(/64-bit range/)
    expect(() => parseSeed({} as never)).toThrow(InvalidSeed)
  })
})

describe('streamState', () => {
  test('uses every bit of the seed: seeds differing only in high bits differ', () => {
    const low = streamState(parseSeed(1), 'env')
    const high = streamState(parseSeed((1n << 63n) | 1n), 'env')
    expect(low).not.toEqual(high)
    const a = streamState(parseSeed('3f786850e387550fdab836ed7e6dc881de23001b'), 'env')
    const b = streamState(parseSeed('3f786850e387550fdab836ed7e6dc881de23001c'), 'env')
    expect(a).not.toEqual(b)
  })

  test('is stable across releases (pinned)', () => {
    expect(streamState(parseSeed(12648430), 'env')).toMatchInlineSnapshot(`
      [
        2751211040,
        3520410327,
        2416143484,
        26067919,
      ]
    `)
  })

  test('separates streams by name and never yields the all-zero state', () => {
    const seed = parseSeed(0)
    expect(streamState(seed, 'disk')).not.toEqual(streamState(seed, 'network'))
    for (let i = 0; i < 200; i++) expect(streamState(parseSeed(i), 'x').some((w) => w !== 0)).toBe(true)
  })
})
