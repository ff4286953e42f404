import { describe, expect, test } from 'vitest'
import { posix } from 'node:path'
import { resolveText, toSimPath } from './path.js'

describe('paths into the simulated namespace', () => {
  test('relative paths resolve against "/", and .. stops at the root', () => {
    expect(toSimPath('data/x')).toEqual({ given: 'data/x', resolved: '/data/x', trailing_slash: false })
    expect(toSimPath('../../../etc/passwd').resolved).toBe('/etc/passwd')
    expect(toSimPath('/a/../../b//c/.').resolved).toBe('/b/c')
    expect(toSimPath('/a/b/').trailing_slash).toBe(true)
    expect(toSimPath('/').trailing_slash).toBe(false)
    expect(toSimPath('')).toEqual({ given: '', resolved: '', trailing_slash: false })
  })

  test('Buffers, Uint8Arrays and file: URLs', () => {
    expect(toSimPath(Buffer.from('/a/b')).resolved).toBe('/a/b')
    expect(toSimPath(new Uint8Array([47, 120])).resolved).toBe('/x')
    expect(toSimPath(new URL('file:///a/b%20c')).given).toBe('/a/b c')
    expect(() => toSimPath(new URL('http://host/x'))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_URL_SCHEME' }))
  })

  test('NUL bytes and wrong types fail as in Node, naming the argument', () => {
    expect(() => toSimPath('a\0b')).toThrow("The argument 'path' must be a string, Uint8Array, or URL without null bytes. Received 'a\\x00b'")
    expect(() => toSimPath(Buffer.from('a\0b'), 'oldPath')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => toSimPath(42, 'src')).toThrow('The "src" argument must be of type string or an instance of Buffer or URL. Received type number (42)')
  })

  test('the fast path for normalized absolute paths agrees with posix.resolve', () => {
    const cases = ['/a', '/a/b', '/a/', '/a//b', '/a/./b', '/a/../b', '/.', '/..', '/...', '/a/.b', '/a/b.', '/a/..b', '//a', '/', 'a', '.', './a', '/a/.', '/a/..', '/..a/b', '/a.b/c..', '/a/b/c.tmp']
    for (const text of cases) {
      const resolved = posix.resolve('/', text)
      const trailing_slash = resolved !== '/' && (text.endsWith('/') || text.endsWith('/.') || text === '.')
      expect(resolveText(text), text).toEqual({ given: text, resolved, trailing_slash })
    }
  })
})
