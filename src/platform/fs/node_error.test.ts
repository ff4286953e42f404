import { constants } from 'node:os'
import { describe, expect, test } from 'vitest'
import { describeReceived, fsIsDirectory, invalidArgType, outOfRange, systemError } from './node_error.js'

describe('Node-shaped errors', () => {
  test('system errors: negative Linux errno, code, syscall, path, dest, message', () => {
    const error = systemError('ENOENT', 'rename', '/a', '/b')
    expect(error).toBeInstanceOf(Error)
    expect({ ...error }).toEqual({ errno: -constants.errno.ENOENT, code: 'ENOENT', syscall: 'rename', path: '/a', dest: '/b' })
    expect(error.message).toBe("ENOENT: no such file or directory, rename '/a' -> '/b'")
    expect(systemError('EBADF', 'close').message).toBe('EBADF: bad file descriptor, close')
    expect(Object.keys(systemError('EIO', 'read'))).toEqual(['errno', 'code', 'syscall'])
  })

  test('argument errors: class, code, toString and stack header as Node prints them', () => {
    const error = invalidArgType('fd', 'of type number', '3')
    expect(error).toBeInstanceOf(TypeError)
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(String(error)).toBe(`TypeError [ERR_INVALID_ARG_TYPE]: The "fd" argument must be of type number. Received type string ('3')`)
    expect(error.stack?.startsWith('TypeError [ERR_INVALID_ARG_TYPE]: The "fd" argument')).toBe(true)
    expect(outOfRange('position', '>= 0', 2 ** 40).message).toBe('The value of "position" is out of range. It must be >= 0. Received 1_099_511_627_776')
    expect(describeReceived(Buffer.alloc(1))).toBe('an instance of Buffer')
    expect(describeReceived('a'.repeat(40))).toBe(`type string ('${'a'.repeat(25)}...')`)
  })

  test("rm's ERR_FS_EISDIR is a SystemError with Node's wording", () => {
    const error = fsIsDirectory('rm', '/d')
    expect(error.name).toBe('SystemError')
    expect(error.message).toBe('Path is a directory: rm returned EISDIR (is a directory) /d')
    expect({ code: error.code, errno: error.errno, syscall: error.syscall, path: error.path }).toEqual({ code: 'ERR_FS_EISDIR', errno: 21, syscall: 'rm', path: '/d' })
  })
})
