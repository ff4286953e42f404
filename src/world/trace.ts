/**
 * The trace: the replay contract. Strict ASCII, one line per entry:
 *
 *   run.name value=<name>                       header: the run's name
 *   run.tag value=<tag>                         header: zero or more tags
 *   run.attribute key=<k> type=<t> value=<v>    header: typed attributes
 *   event=<n> <name> key=value ...              one line per event, n from 0
 *
 * Names and keys are `[a-z0-9_.]+`. Raw values may not contain space, `=`,
 * newline, tab, backslash or anything outside printable ASCII: `record` rejects
 * them with `InvalidTracePayload`, `recordFields` percent-escapes them.
 *
 * Lines are written into one growing byte buffer (runtime.md: ~3x less memory
 * and ~2x faster than an array of strings), bounded by `max_bytes`.
 */

export type TraceValue = string | number | bigint | boolean
export type TraceFields = Readonly<Record<string, TraceValue>>
export type AttributeValue = string | number | bigint | boolean

export const DEFAULT_MAX_TRACE_BYTES = 64 * 1024 * 1024
const INITIAL_BYTES = 64 * 1024

/** Node's undocumented latin1 fast paths (runtime.md: ~2x faster than `write(..., 'latin1')`). */
interface Latin1Buffer extends Buffer {
  latin1Write(text: string, offset: number): number
  latin1Slice(start: number, end: number): string
}

const NAME_PATTERN = /^[a-z0-9_.]+$/
/** Digits of Number.MAX_SAFE_INTEGER. */
const MAX_UINT_DIGITS = 16
/** Printable ASCII except space (0x20), `=` (0x3d) and backslash (0x5c). */
const RAW_VALUE_PATTERN = /^[\x21-\x3c\x3e-\x5b\x5d-\x7e]*$/

export class InvalidTracePayload extends Error {
  override name = 'InvalidTracePayload'
  constructor(message: string) {
    super(message)
  }
}

export class TraceLimitExceeded extends Error {
  override name = 'TraceLimitExceeded'
  constructor(readonly max_bytes: number, readonly event_count: number) {
    super(
      `the trace reached its size limit of ${max_bytes} bytes after ${event_count} events. ` +
        'A run this long is usually a runaway loop; otherwise raise max_trace_bytes in the run options.',
    )
  }
}

export function isValidTraceName(name: string): boolean {
  return NAME_PATTERN.test(name)
}

export function isValidRawValue(value: string): boolean {
  return RAW_VALUE_PATTERN.test(value)
}

/** Percent-escapes runtime text (UTF-8 bytes) so it is a valid raw trace value. Stable and reversible. */
export function escapeTraceText(text: string): string {
  if (RAW_VALUE_PATTERN.test(text) && !text.includes('%')) return text
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const isPlain = byte >= 0x21 && byte <= 0x7e && byte !== 0x3d && byte !== 0x5c && byte !== 0x25
    out += isPlain ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

export function unescapeTraceText(value: string): string {
  if (!value.includes('%')) return value
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i)
    if (ch === 0x25 && i + 2 < value.length && /^[0-9A-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(ch)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

function invalidRawValue(name: string, key: string, text: string): InvalidTracePayload {
  return new InvalidTracePayload(
    `trace event ${name}: field ${key}=${JSON.stringify(text)} contains a space, '=', newline, tab, ` +
      'backslash or non-printable character; use recordFields to percent-escape runtime text',
  )
}

/** `fields` with every string value percent-escaped (recordFields' values, for the string-building path). */
function escapeFields(fields: TraceFields): TraceFields {
  const escaped: Record<string, TraceValue> = {}
  for (const key in fields) {
    const value = fields[key] as TraceValue
    escaped[key] = typeof value === 'string' ? escapeTraceText(value) : value
  }
  return escaped
}

function formatValue(value: TraceValue, key: string, name: string): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidTracePayload(`trace event ${name}: field ${key} is ${value}; trace numbers must be finite`)
      }
      return String(value)
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      throw new InvalidTracePayload(
        `trace event ${name}: field ${key} has type ${typeof value}; use a string, number, bigint or boolean`,
      )
  }
}

export interface TraceOptions {
  max_bytes?: number
}

export class Trace {
  readonly max_bytes: number
  #buffer = Buffer.allocUnsafe(INITIAL_BYTES) as Latin1Buffer
  #length_bytes = 0
  #event_count = 0
  #header_closed = false
  /** Names and keys already validated; the set stays small (one entry per distinct name). */
  readonly #valid_names = new Set<string>()
  /** First size-limit error, sticky so the run fails even if user code catches the throw. */
  limit_error: TraceLimitExceeded | null = null

  constructor(options: TraceOptions = {}) {
    this.max_bytes = options.max_bytes ?? DEFAULT_MAX_TRACE_BYTES
    if (!Number.isSafeInteger(this.max_bytes) || this.max_bytes < 1024) {
      throw new RangeError(`Trace: max_bytes must be an integer of at least 1024, got ${this.max_bytes}`)
    }
  }

  get event_count(): number {
    return this.#event_count
  }

  get size_bytes(): number {
    return this.#length_bytes
  }

  setRunName(name: string): void {
    this.#header('run.name value=' + this.#rawValue(name, 'run.name', 'value'))
  }

  addTag(tag: string): void {
    this.#header('run.tag value=' + this.#rawValue(tag, 'run.tag', 'value'))
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.#checkName(key, 'attribute key')
    let type: string
    let text: string
    if (typeof value === 'boolean') {
      type = 'bool'
      text = String(value)
    } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
      type = 'int'
      text = String(value)
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new InvalidTracePayload(`run attribute ${key}: ${value} is not finite`)
      type = 'float'
      text = String(value)
    } else if (typeof value === 'string') {
      type = 'text'
      text = escapeTraceText(value)
    } else {
      throw new InvalidTracePayload(`run attribute ${key}: unsupported type ${typeof value}`)
    }
    this.#header(`run.attribute key=${key} type=${type} value=${text}`)
  }

  /**
   * Records an event whose values must already be valid raw trace values.
   *
   * The line is written straight into the buffer past its end and committed only
   * once it is whole, so a rejected value leaves nothing behind and no line string
   * is built (runtime.md: the string-building version cost ~2x more, mostly in
   * flattening and garbage). Numbers, bigints and booleans are valid raw values by
   * construction and skip the character check. A line that would pass
   * `max_bytes` takes `#recordChecked`, which reports exactly as before.
   */
  record(name: string, fields?: TraceFields): void {
    this.#write(name, fields, false)
  }

  /**
   * `record` and `recordFields` in one pass: with `escape`, a string value is percent-escaped as
   * `escapeTraceText` would, without building an escaped copy of `fields` (a value needing no
   * escape, the usual case, is written straight through; only one that does is escaped first).
   */
  #write(name: string, fields: TraceFields | undefined, escape: boolean): void {
    this.#checkName(name, 'event name')
    let at = this.#length_bytes
    if (!this.#room(at, 7 + MAX_UINT_DIGITS + name.length)) return this.#recordChecked(name, fields, escape)
    at = this.#writeAscii('event=', at)
    at = this.#writeUint(this.#event_count, at)
    this.#buffer[at++] = 0x20
    at = this.#writeAscii(name, at)
    if (fields !== undefined) {
      for (const key in fields) {
        this.#checkName(key, 'field key')
        const value = fields[key] as TraceValue
        if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER && value === Math.floor(value)) {
          // The common case (ids, counts, nanoseconds): digits straight into the buffer, no string.
          if (!this.#room(at, key.length + 2 + MAX_UINT_DIGITS)) return this.#recordChecked(name, fields, escape)
          this.#buffer[at++] = 0x20
          at = this.#writeAscii(key, at)
          this.#buffer[at++] = 0x3d
          at = this.#writeUint(value, at)
          continue
        }
        const text = typeof value === 'string' ? value : formatValue(value, key, name)
        if (!this.#room(at, key.length + text.length + 2)) return this.#recordChecked(name, fields, escape)
        this.#buffer[at++] = 0x20
        at = this.#writeAscii(key, at)
        this.#buffer[at++] = 0x3d
        if (typeof value !== 'string') {
          at = this.#writeAscii(text, at)
        } else if (!escape) {
          const end = this.#writeRaw(text, at, 0x3d)
          if (end < 0) throw invalidRawValue(name, key, text)
          at = end
        } else {
          // '%' is rejected too here: text with one is escaped (as '%25'), like any other escaped text.
          const end = this.#writeRaw(text, at, 0x25)
          if (end >= 0) at = end
          else {
            const escaped = escapeTraceText(text)
            if (!this.#room(at, escaped.length)) return this.#recordChecked(name, fields, escape)
            at = this.#writeAscii(escaped, at)
          }
        }
      }
    }
    this.#buffer[at++] = 0x0a
    this.#header_closed = true
    this.#length_bytes = at
    this.#event_count++
  }

  /** The string-building path, kept for lines that would reach `max_bytes`: it validates every value before the limit check. */
  #recordChecked(name: string, fields: TraceFields | undefined, escape: boolean): void {
    if (escape && fields !== undefined) fields = escapeFields(fields)
    let line = 'event=' + this.#event_count + ' ' + name
    if (fields !== undefined) {
      for (const key in fields) {
        this.#checkName(key, 'field key')
        const text = formatValue(fields[key] as TraceValue, key, name)
        if (!RAW_VALUE_PATTERN.test(text)) throw invalidRawValue(name, key, text)
        line += ' ' + key + '=' + text
      }
    }
    this.#header_closed = true
    this.#append(line)
    this.#event_count++
  }

  /** Makes room for `bytes` more bytes (and a newline) at `at`; false when that would pass `max_bytes`. */
  #room(at: number, bytes: number): boolean {
    const needed = at + bytes + 1
    if (needed > this.max_bytes) return false
    if (needed <= this.#buffer.length) return true
    const size = Math.min(this.max_bytes, Math.max(needed, this.#buffer.length * 2))
    const next = Buffer.allocUnsafe(size) as Latin1Buffer
    this.#buffer.copy(next, 0, 0, at)
    this.#buffer = next
    return true
  }

  /** Writes a non-negative safe integer in decimal, as `String(value)` would. */
  #writeUint(value: number, at: number): number {
    const buffer = this.#buffer
    if (value < 10) {
      buffer[at] = 0x30 + value
      return at + 1
    }
    let digits = 1
    for (let power = 10; power <= value; power *= 10) digits++
    const end = at + digits
    if (value <= 0x7fffffff) {
      // Below 2^31 the division is an integer one (V8 compiles `/ 10 | 0` to a multiply): most values are.
      for (let i = end - 1; i >= at; i--) {
        const quotient = (value / 10) | 0
        buffer[i] = 0x30 + (value - quotient * 10)
        value = quotient
      }
      return end
    }
    // Exact: below 2^53, value / 10 is within 0.125 of its true value, so floor never rounds across an integer.
    for (let i = end - 1; i >= at; i--) {
      const quotient = Math.floor(value / 10)
      buffer[i] = 0x30 + (value - quotient * 10)
      value = quotient
    }
    return end
  }

  /** Writes text known to be printable ASCII. */
  #writeAscii(text: string, at: number): number {
    const buffer = this.#buffer
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i)
    return at
  }

  /**
   * Writes a raw value, checking it as it goes; -1 if a character is not allowed (see
   * RAW_VALUE_PATTERN) or is `also_rejected` (pass 0x3d, '=', to reject nothing more).
   */
  #writeRaw(text: string, at: number, also_rejected: number): number {
    const buffer = this.#buffer
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code < 0x21 || code > 0x7e || code === 0x3d || code === 0x5c || code === also_rejected) return -1
      buffer[at++] = code
    }
    return at
  }

  /** Records an event, percent-escaping string values (runtime text such as paths or user input). */
  recordFields(name: string, fields: TraceFields): void {
    this.#write(name, fields, true)
  }

  /** The trace bytes so far (a copy). */
  bytes(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.#buffer, 0, this.#length_bytes)
  }

  text(): string {
    return this.#buffer.latin1Slice(0, this.#length_bytes)
  }

  #header(line: string): void {
    if (this.#header_closed) {
      throw new InvalidTracePayload('run name, tags and attributes must be set before the first event is recorded')
    }
    this.#append(line)
  }

  #checkName(name: string, what: string): void {
    if (this.#valid_names.has(name)) return
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new InvalidTracePayload(`trace ${what} ${JSON.stringify(name)} is invalid: names and keys use only [a-z0-9_.]`)
    }
    this.#valid_names.add(name)
  }

  #rawValue(value: string, name: string, key: string): string {
    if (typeof value !== 'string' || value === '' || !RAW_VALUE_PATTERN.test(value)) {
      throw new InvalidTracePayload(
        `${name} ${key}=${JSON.stringify(value)} must be non-empty printable ASCII without space, '=' or backslash`,
      )
    }
    return value
  }

  #append(line: string): void {
    const needed = this.#length_bytes + line.length + 1
    if (needed > this.#buffer.length) this.#grow(needed)
    else if (needed > this.max_bytes) this.#overLimit()
    this.#length_bytes += this.#buffer.latin1Write(line, this.#length_bytes)
    this.#buffer[this.#length_bytes++] = 0x0a
  }

  #overLimit(): never {
    this.limit_error ??= new TraceLimitExceeded(this.max_bytes, this.#event_count)
    throw this.limit_error
  }

  #grow(needed: number): void {
    if (needed > this.max_bytes) this.#overLimit()
    const size = Math.min(this.max_bytes, Math.max(needed, this.#buffer.length * 2))
    const next = Buffer.allocUnsafe(size) as Latin1Buffer
    this.#buffer.copy(next, 0, 0, this.#length_bytes)
    this.#buffer = next
  }
}
