import { Buffer } from 'node:buffer'
import { invalidArgType, invalidArgValue, outOfRange } from './node_error.js'

/**
 * Node's argument validators (lib/internal/validators.js), with its error
 * codes and messages, for the arguments node:fs checks before it does any I/O.
 * The simulated functions validate exactly where Node's do, so a bad argument
 * throws (or rejects) the same error inside a simulation as outside.
 */

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const UINT32_MAX = 4294967295

export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value)
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value)
}

export function validateInt32(value: unknown, name: string, min = INT32_MIN, max = INT32_MAX): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value)
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value)
}

export function validateUint32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value)
  if (value < 0 || value > UINT32_MAX) throw outOfRange(name, `>= 0 && <= ${UINT32_MAX}`, value)
}

/** Node's `getValidatedFd`: an int32 >= 0. */
export function validateFd(fd: unknown, name = 'fd'): number {
  if (Object.is(fd, -0)) return 0
  validateInt32(fd, name, 0)
  return fd
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
}

export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
}

/** Node's `validateObject` with nullable allowed (the options objects of read/write). */
export function validateOptionsObject(value: unknown, name: string): void {
  if (value === null || value === undefined) return
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgType(name, 'of type object', value)
}

export function validateArrayBufferView(value: unknown, name: string): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value)
}

/** Node's `validateStringAfterArrayBufferView`: data that is not a view must be a string. */
export function validateStringData(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', value)
}

export function validateBufferArray(value: unknown, name = 'buffers'): asserts value is ArrayBufferView[] {
  if (!Array.isArray(value)) throw invalidArgType(name, 'an ArrayBufferView[]', value)
  for (const item of value) {
    if (!ArrayBuffer.isView(item)) throw invalidArgType(name, 'an ArrayBufferView[]', value)
  }
}

/** Node's `assertEncoding`: undefined, null, 'buffer' or a Buffer encoding. */
export function validateEncoding(encoding: unknown, name = 'encoding'): void {
  if (encoding === undefined || encoding === null || encoding === 'buffer') return
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) throw invalidArgValue(name, encoding, 'is invalid encoding')
}

/** Node's `validatePosition`: null/-1 for the current position, else a non-negative integer or bigint. */
export function validatePosition(position: unknown, name: string): void {
  if (typeof position === 'number') validateInteger(position, name, -1)
  else if (typeof position === 'bigint') {
    if (!(position >= -1n && position <= 2n ** 63n - 1n)) throw outOfRange(name, `>= -1 && <= ${2n ** 63n - 1n}`, position)
  } else throw invalidArgType(name, 'of type bigint or integer', position)
}

/** Node's `validateOffsetLengthRead`. */
export function validateOffsetLengthRead(offset: number, length: number, buffer_length: number): void {
  if (offset < 0) throw outOfRange('offset', '>= 0', offset)
  if (length < 0) throw outOfRange('length', '>= 0', length)
  if (offset + length > buffer_length) throw outOfRange('length', `<= ${buffer_length - offset}`, length)
}

/** Node's `validateOffsetLengthWrite`. */
export function validateOffsetLengthWrite(offset: number, length: number, byte_length: number): void {
  if (offset > byte_length) throw outOfRange('offset', `<= ${byte_length}`, offset)
  if (length > byte_length - offset) throw outOfRange('length', `<= ${byte_length - offset}`, length)
  if (length < 0) throw outOfRange('length', '>= 0', length)
  validateInt32(length, 'length', 0)
}

/** Node's `getOptions`: a string is the encoding; an object is copied over the defaults. */
export function getOptions<T extends object>(options: unknown, defaults: T): T & Record<string, unknown> {
  if (options === null || options === undefined || typeof options === 'function') return { ...defaults } as T & Record<string, unknown>
  if (typeof options === 'string') {
    validateEncoding(options)
    return { ...defaults, encoding: options } as T & Record<string, unknown>
  }
  if (typeof options !== 'object') throw invalidArgType('options', 'one of type string or object', options)
  const merged = { ...defaults, ...(options as object) } as T & Record<string, unknown>
  if (merged.encoding !== 'buffer') validateEncoding(merged.encoding)
  const signal = merged.signal
  if (signal !== undefined && !isAbortSignal(signal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
  return merged
}

export function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && 'aborted' in value
}

/** Node's `isFd`: an int32 >= 0 names a descriptor instead of a path. */
export function isFd(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= INT32_MAX
}
