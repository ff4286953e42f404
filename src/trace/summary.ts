/**
 * Trace summaries: a short, stable, plain-text digest of a trace (see
 * src/world/trace.ts for the trace format), for reading a failed run at a
 * glance and for diffing two runs.
 *
 *   const summary = summarize(world.trace.text())   // or the trace's bytes
 *   summary.writeSummary((chunk) => process.stderr.write(chunk))
 *
 * `summarize` reads the trace in one forward pass, line by line, and never
 * looks back. It checks the line syntax strictly and throws `MalformedTrace`
 * (naming the 1-based line number) for:
 * - a line that is neither a header line (`run.name value=<v>`,
 *   `run.tag value=<v>`, `run.attribute key=<k> type=<int|bool|text|float> value=<v>`)
 *   nor an event line (`event=<n> <name> key=value ...`);
 * - characters outside printable ASCII (a `\r` is reported as such), empty
 *   lines, doubled or trailing spaces, a last line without its `\n`;
 * - an event number that is not the next one (`event=0`, `event=1`, ...);
 * - a header line after the first event, or a second `run.name`;
 * - a field whose key is not `[a-z0-9_.]+` or whose value is not a raw trace
 *   value, or a key given twice in one event;
 * - a `now_ns` or `end_ns` field that is not a decimal integer.
 * Payloads are otherwise not interpreted: only `now_ns` and `end_ns` (any
 * event) and `from`, `to`, `reason` (network.send/deliver/drop) are read.
 *
 * The text `writeSummary` produces is strict ASCII, one fact per line, each
 * line `summary.<what> key=value ...` with keys in the order shown, and the
 * sections always in this order:
 *
 *   summary.run name=<run.name>                        only if the trace names the run
 *   summary.tag value=<tag>                            one per run.tag, trace order
 *   summary.attribute key=<k> type=<t> value=<v>       one per run.attribute, trace order
 *   summary.events total=<n> names=<distinct names>    header lines are not events
 *   summary.final_now_ns value=<ns>|unknown            largest now_ns/end_ns of any event
 *   summary.subsystem name=<prefix> events=<n>         one per subsystem, by name
 *   summary.top name=<event name> events=<n>           the 8 commonest names; count desc, then name
 *   summary.singleton name=<event name>                names seen exactly once, by name
 *   summary.network sends=<n> deliveries=<n> drops=<n> only if there are network.* events
 *   summary.network.drop reason=<r> count=<n>          one per drop reason, by reason
 *   summary.network.link link=<from>-><to> sends=<n> deliveries=<n> drops=<n>
 *                                                      one per link, by from then to
 *
 * - A subsystem is the event name up to its first `.` (`network.send` is in
 *   `network`); a name without a dot is its own subsystem.
 * - `value=` of a `type=text` attribute is the unescaped text as a JSON string
 *   literal with every non-ASCII character written `\uXXXX` (so a value with
 *   spaces or newlines still fits on its line); other values are printed as in
 *   the trace. Names, tags, reasons and link ends are raw trace values,
 *   printed as they appear (still percent-escaped).
 * - A network.send/deliver/drop event without a `from`, `to` or `reason` field
 *   counts under `-` for that field.
 * - Link ends and reasons sort with decimal integers first, by value, then
 *   other values by code unit (so node `2` sorts before node `10`).
 * - Every line ends with `\n`; the empty summary is never empty (there is
 *   always a `summary.events` and a `summary.final_now_ns` line).
 */

import { isValidRawValue, isValidTraceName, unescapeTraceText } from '../world/trace.js'

/** How many names `summary.top` lists. */
export const SUMMARY_TOP_COUNT = 8

export type SummaryAttributeType = 'int' | 'bool' | 'text' | 'float'

export interface SummaryAttribute {
  readonly key: string
  readonly type: SummaryAttributeType
  /** The value as in the trace, except `type: 'text'` values, which are unescaped. */
  readonly value: string
}

export interface SummaryCount {
  readonly name: string
  readonly events: number
}

export interface NetworkDropCount {
  readonly reason: string
  readonly count: number
}

export interface NetworkLinkSummary {
  /** `<from>-><to>`. */
  readonly link: string
  readonly from: string
  readonly to: string
  readonly sends: number
  readonly deliveries: number
  readonly drops: number
}

export interface NetworkSummary {
  readonly sends: number
  readonly deliveries: number
  readonly drops: number
  /** By reason. */
  readonly drop_reasons: readonly NetworkDropCount[]
  /** By from, then to. */
  readonly links: readonly NetworkLinkSummary[]
}

export interface SummaryData {
  readonly run_name: string | null
  readonly tags: readonly string[]
  readonly attributes: readonly SummaryAttribute[]
  /** Events only; header lines are not counted. */
  readonly event_count: number
  /** The largest `now_ns` or `end_ns` of any event, or null when no event has one. */
  readonly final_now_ns: bigint | null
  /** Every event name with its count, by name. */
  readonly names: readonly SummaryCount[]
  /** By subsystem name. */
  readonly subsystems: readonly SummaryCount[]
  /** The `SUMMARY_TOP_COUNT` commonest names, count descending, ties by name. */
  readonly top: readonly SummaryCount[]
  /** Names seen exactly once, by name. */
  readonly singletons: readonly string[]
  /** Null when the trace has no network.* event. */
  readonly network: NetworkSummary | null
}

/** The trace could not be read; `line` is 1-based. */
export class MalformedTrace extends Error {
  override name = 'MalformedTrace'
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`malformed trace at line ${line}: ${reason}`)
  }
}

/** A summarized trace: the data, and its stable text form via `writeSummary`. */
// Declaration merging: the class carries every field of SummaryData without restating them.
export interface Summary extends SummaryData {}
export class Summary {
  constructor(data: SummaryData) {
    Object.assign(this, data)
  }

  /** The summary text (format in the module comment); also passed to `write`, in one call, if given. */
  writeSummary(write?: (chunk: string) => void): string {
    const lines: string[] = []
    if (this.run_name !== null) lines.push(`summary.run name=${this.run_name}`)
    for (const tag of this.tags) lines.push(`summary.tag value=${tag}`)
    for (const { key, type, value } of this.attributes) {
      lines.push(`summary.attribute key=${key} type=${type} value=${type === 'text' ? quoteText(value) : value}`)
    }
    lines.push(`summary.events total=${this.event_count} names=${this.names.length}`)
    lines.push(`summary.final_now_ns value=${this.final_now_ns === null ? 'unknown' : String(this.final_now_ns)}`)
    for (const { name, events } of this.subsystems) lines.push(`summary.subsystem name=${name} events=${events}`)
    for (const { name, events } of this.top) lines.push(`summary.top name=${name} events=${events}`)
    for (const name of this.singletons) lines.push(`summary.singleton name=${name}`)
    const network = this.network
    if (network !== null) {
      lines.push(`summary.network sends=${network.sends} deliveries=${network.deliveries} drops=${network.drops}`)
      for (const { reason, count } of network.drop_reasons) lines.push(`summary.network.drop reason=${reason} count=${count}`)
      for (const link of network.links) {
        lines.push(
          `summary.network.link link=${link.link} sends=${link.sends} deliveries=${link.deliveries} drops=${link.drops}`,
        )
      }
    }
    const text = lines.join('\n') + '\n'
    if (write !== undefined) write(text)
    return text
  }
}

/** Summarizes a trace given as text or as its bytes (read as ASCII). Throws `MalformedTrace`. */
export function summarize(trace: string | Uint8Array): Summary {
  const text =
    typeof trace === 'string' ? trace : Buffer.from(trace.buffer, trace.byteOffset, trace.byteLength).toString('latin1')
  return new Reader().read(text)
}

// ---------------------------------------------------------------------------

/** Printable ASCII, space included. */
const PRINTABLE_LINE = /^[\x20-\x7e]*$/
const EVENT_NUMBER = /^(?:0|[1-9][0-9]*)$/
const INTEGER = /^-?[0-9]+$/
const ATTRIBUTE_TYPES: ReadonlySet<string> = new Set(['int', 'bool', 'text', 'float'])
const MISSING = '-'

interface LinkCounts {
  from: string
  to: string
  sends: number
  deliveries: number
  drops: number
}

class Reader {
  #line_number = 0
  #run_name: string | null = null
  readonly #tags: string[] = []
  readonly #attributes: SummaryAttribute[] = []
  #event_count = 0
  #final_now_ns: bigint | null = null
  readonly #names = new Map<string, number>()
  #has_network = false
  #sends = 0
  #deliveries = 0
  #drops = 0
  readonly #drop_reasons = new Map<string, number>()
  readonly #links = new Map<string, LinkCounts>()

  read(text: string): Summary {
    let start = 0
    while (start < text.length) {
      this.#line_number++
      const end = text.indexOf('\n', start)
      if (end === -1) {
        this.#fail('the last line has no terminating newline (a truncated trace?)')
      }
      this.#line(text.slice(start, end))
      start = end + 1
    }
    return this.#finish()
  }

  #fail(reason: string): never {
    throw new MalformedTrace(this.#line_number, reason)
  }

  #line(line: string): void {
    if (!PRINTABLE_LINE.test(line)) {
      const bad = /[^\x20-\x7e]/.exec(line)
      const code = bad === null ? 0 : bad[0].charCodeAt(0)
      this.#fail(
        code === 0x0d
          ? 'carriage return in the line (CRLF line endings?); trace lines end with \\n only'
          : `character 0x${code.toString(16).padStart(2, '0')} at column ${(bad?.index ?? 0) + 1}; a trace is printable ASCII`,
      )
    }
    if (line.startsWith('event=')) this.#event(line)
    else if (line.startsWith('run.')) this.#header(line)
    else this.#fail(`expected "event=<n> <name> key=value ..." or a run.name/run.tag/run.attribute header line, got ${show(line)}`)
  }

  #tokens(line: string): string[] {
    const tokens = line.split(' ')
    if (tokens.includes('')) this.#fail(`empty field (a doubled, leading or trailing space) in ${show(line)}`)
    return tokens
  }

  #header(line: string): void {
    if (this.#event_count > 0) {
      this.#fail(`header line ${show(line)} after the first event; run.name, run.tag and run.attribute come first`)
    }
    const tokens = this.#tokens(line)
    const kind = tokens[0]
    if (kind === 'run.name' || kind === 'run.tag') {
      const value = tokens.length === 2 ? valueOf(tokens[1], 'value') : undefined
      if (value === undefined || value === '' || !isValidRawValue(value)) {
        this.#fail(`expected "${kind} value=<non-empty raw value>", got ${show(line)}`)
      }
      if (kind === 'run.tag') {
        this.#tags.push(value)
      } else {
        if (this.#run_name !== null) this.#fail(`a second run.name (the first was ${this.#run_name})`)
        this.#run_name = value
      }
      return
    }
    if (kind === 'run.attribute') {
      const key = tokens.length === 4 ? valueOf(tokens[1], 'key') : undefined
      const type = tokens.length === 4 ? valueOf(tokens[2], 'type') : undefined
      const value = tokens.length === 4 ? valueOf(tokens[3], 'value') : undefined
      if (
        key === undefined ||
        type === undefined ||
        value === undefined ||
        !isValidTraceName(key) ||
        !ATTRIBUTE_TYPES.has(type) ||
        !isValidRawValue(value)
      ) {
        this.#fail(`expected "run.attribute key=<key> type=<int|bool|text|float> value=<raw value>", got ${show(line)}`)
      }
      this.#attributes.push({
        key,
        type: type as SummaryAttributeType,
        value: type === 'text' ? unescapeTraceText(value) : value,
      })
      return
    }
    this.#fail(`unknown header line ${show(line)}; expected run.name, run.tag or run.attribute`)
  }

  #event(line: string): void {
    const tokens = this.#tokens(line)
    const number = (tokens[0] as string).slice('event='.length)
    if (!EVENT_NUMBER.test(number)) this.#fail(`bad event number in ${show(line)}; expected event=${this.#event_count}`)
    if (number !== String(this.#event_count)) {
      this.#fail(`expected event=${this.#event_count}, got event=${number}; event numbers count from 0 without gaps`)
    }
    const name = tokens[1]
    if (name === undefined || !isValidTraceName(name)) {
      this.#fail(`expected an event name ([a-z0-9_.]+) after event=${number}, got ${show(line)}`)
    }
    const is_network = name.startsWith('network.')
    let from: string | undefined
    let to: string | undefined
    let reason: string | undefined
    for (let i = 2; i < tokens.length; i++) {
      const token = tokens[i] as string
      const eq = token.indexOf('=')
      const key = eq === -1 ? '' : token.slice(0, eq)
      const value = token.slice(eq + 1)
      if (!isValidTraceName(key) || !isValidRawValue(value)) {
        this.#fail(`event ${name}: expected key=value (key [a-z0-9_.]+, value a raw trace value), got ${show(token)}`)
      }
      for (let j = 2; j < i; j++) {
        if ((tokens[j] as string).startsWith(key + '=')) this.#fail(`event ${name}: field ${key} appears twice`)
      }
      if (key === 'now_ns' || key === 'end_ns') {
        if (!INTEGER.test(value)) this.#fail(`event ${name}: ${key}=${value} is not a decimal integer`)
        const ns = BigInt(value)
        if (this.#final_now_ns === null || ns > this.#final_now_ns) this.#final_now_ns = ns
      } else if (is_network) {
        if (key === 'from') from = value
        else if (key === 'to') to = value
        else if (key === 'reason') reason = value
      }
    }
    this.#event_count++
    this.#names.set(name, (this.#names.get(name) ?? 0) + 1)
    if (is_network) this.#network(name, from ?? MISSING, to ?? MISSING, reason ?? MISSING)
  }

  #network(name: string, from: string, to: string, reason: string): void {
    this.#has_network = true
    if (name !== 'network.send' && name !== 'network.deliver' && name !== 'network.drop') return
    const key = from + '->' + to
    let link = this.#links.get(key)
    if (link === undefined) {
      link = { from, to, sends: 0, deliveries: 0, drops: 0 }
      this.#links.set(key, link)
    }
    if (name === 'network.send') {
      this.#sends++
      link.sends++
    } else if (name === 'network.deliver') {
      this.#deliveries++
      link.deliveries++
    } else {
      this.#drops++
      link.drops++
      this.#drop_reasons.set(reason, (this.#drop_reasons.get(reason) ?? 0) + 1)
    }
  }

  #finish(): Summary {
    const names = [...this.#names].map(([name, events]) => ({ name, events })).sort((a, b) => compareText(a.name, b.name))
    const subsystem_counts = new Map<string, number>()
    for (const { name, events } of names) {
      const dot = name.indexOf('.')
      const subsystem = dot === -1 ? name : name.slice(0, dot)
      subsystem_counts.set(subsystem, (subsystem_counts.get(subsystem) ?? 0) + events)
    }
    const subsystems = [...subsystem_counts].map(([name, events]) => ({ name, events })).sort((a, b) => compareText(a.name, b.name))
    const top = [...names].sort((a, b) => b.events - a.events || compareText(a.name, b.name)).slice(0, SUMMARY_TOP_COUNT)
    const singletons = names.filter((entry) => entry.events === 1).map((entry) => entry.name)
    let network: NetworkSummary | null = null
    if (this.#has_network) {
      const drop_reasons = [...this.#drop_reasons]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => compareValues(a.reason, b.reason))
      const links = [...this.#links]
        .map(([link, counts]) => ({ link, ...counts }))
        .sort((a, b) => compareValues(a.from, b.from) || compareValues(a.to, b.to))
      network = { sends: this.#sends, deliveries: this.#deliveries, drops: this.#drops, drop_reasons, links }
    }
    return new Summary({
      run_name: this.#run_name,
      tags: this.#tags,
      attributes: this.#attributes,
      event_count: this.#event_count,
      final_now_ns: this.#final_now_ns,
      names,
      subsystems,
      top,
      singletons,
      network,
    })
  }
}

/** `value` of a `<key>=value` token, or undefined. */
function valueOf(token: string | undefined, key: string): string | undefined {
  return token !== undefined && token.startsWith(key + '=') ? token.slice(key.length + 1) : undefined
}

/** Code-unit order (not locale order), so the output never depends on the machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Decimal integers first, by value (then spelling); then other values by code unit. */
function compareValues(a: string, b: string): number {
  const a_int = INTEGER.test(a)
  const b_int = INTEGER.test(b)
  if (a_int && b_int) {
    const x = BigInt(a)
    const y = BigInt(b)
    return x < y ? -1 : x > y ? 1 : compareText(a, b)
  }
  if (a_int !== b_int) return a_int ? -1 : 1
  return compareText(a, b)
}

/** A JSON string literal in pure ASCII: one line whatever the text holds. */
function quoteText(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** A line or token for an error message, quoted and cut to a readable length. */
function show(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text)
}
