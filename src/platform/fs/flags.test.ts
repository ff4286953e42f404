import { constants } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { decodeFlags, parseFileMode, parseOpenFlags, stringToFlags } from './flags.js'

describe('open flags', () => {
  test('every flag string Node accepts, with its Linux value', () => {
    const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_SYNC } = constants
    expect(stringToFlags('r')).toBe(O_RDONLY)
    expect(stringToFlags('rs+')).toBe(O_RDWR | O_SYNC)
    expect(stringToFlags('w')).toBe(O_TRUNC | O_CREAT | O_WRONLY)
    expect(stringToFlags('xw+')).toBe(O_TRUNC | O_CREAT | O_RDWR | O_EXCL)
    expect(stringToFlags('ax')).toBe(O_APPEND | O_CREAT | O_WRONLY | O_EXCL)
    expect(stringToFlags('sa+')).toBe(O_APPEND | O_CREAT | O_RDWR | O_SYNC)
    expect(stringToFlags(undefined)).toBe(O_RDONLY)
    expect(stringToFlags(0o1234)).toBe(0o1234)
  })

  test('decoded: access mode, creation, exclusivity, truncation, append, sync', () => {
    expect(parseOpenFlags('a+')).toMatchObject({ readable: true, writable: true, create: true, exclusive: false, truncate: false, append: true, sync: false })
    expect(parseOpenFlags('wx')).toMatchObject({ readable: false, writable: true, create: true, exclusive: true, truncate: true })
    expect(parseOpenFlags('rs')).toMatchObject({ readable: true, writable: false, sync: true })
    expect(decodeFlags(constants.O_RDONLY | (constants.O_DIRECTORY ?? 0o200000))).toMatchObject({ directory: true, writable: false })
  })

  test('bad flags fail as Node fails', () => {
    expect(() => stringToFlags('zz')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: "The argument 'flags' is invalid. Received 'zz'" }))
    expect(() => stringToFlags('zz', 'options.flag')).toThrow("The property 'options.flag' is invalid. Received 'zz'")
    expect(() => parseOpenFlags(2 ** 32)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => parseOpenFlags(1.5)).toThrow('The value of "flags" is out of range. It must be an integer. Received 1.5')
  })

  test('file modes: numbers, octal strings, defaults', () => {
    expect(parseFileMode(undefined, 'mode', 0o666)).toBe(0o666)
    expect(parseFileMode('755', 'mode')).toBe(0o755)
    expect(() => parseFileMode('abc', 'mode')).toThrow("The argument 'mode' must be a 32-bit unsigned integer or an octal string. Received 'abc'")
    expect(() => parseFileMode(-1, 'mode')).toThrow('The value of "mode" is out of range. It must be >= 0 && <= 4294967295. Received -1')
    expect(() => parseFileMode(undefined, 'mode')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})
