/**
 * The harness's own model of what a nedb workload asked for, and the durability contract nedb
 * documents, judged against what a fresh Datastore loads after a crash (docs/real-storage.md).
 *
 * nedb runs every command through one sequential executor in the order the commands were issued
 * (lib/executor.js), compaction included (`persistence.compactDatafile` pushes a task). So the
 * database state that a compaction writes is the state after every operation issued before it,
 * and the model only has to follow issue order: it never looks inside nedb.
 *
 * Every document carries the harness's key `seq` (unique, never reused) and a version `v` with a
 * `body`; nedb adds its `_id`. A document's state is a version, or `null` (absent or removed).
 */

/** A document as the model knows it: its version and body, or null (never inserted, or removed). */
export type DocState = { readonly v: number; readonly body: string } | null

export type OpKind = 'insert' | 'update' | 'remove'

/** One command issued to nedb. An insert of an array touches several documents in one append. */
export interface OpRecord {
  /** Issue order, from 0. */
  readonly index: number
  readonly kind: OpKind
  readonly seqs: readonly number[]
  /** The state of each document of `seqs` once the command is applied. */
  readonly after: readonly DocState[]
  status: 'pending' | 'ok' | 'error'
}

/** What a completed compaction made safe: the state after the first `op_count` operations. */
export interface Snapshot {
  readonly op_count: number
  readonly state: ReadonlyMap<number, DocState>
  /** Where it came from, for the report: a compaction of the workload, or a completed load. */
  readonly source: string
}

/** How a loaded database breaks the contract. */
export type ViolationKind =
  /** A document of the last completed compaction is gone, and no later operation removed it. */
  | 'compacted_lost'
  /** A document's content is none of the states the operations gave it since that compaction. */
  | 'wrong_state'
  /** The same `seq` twice. */
  | 'duplicate'
  /** A document the workload never wrote, or with fields it never wrote. */
  | 'unknown_document'

export interface Violation {
  readonly kind: ViolationKind
  readonly seq: number | null
  readonly detail: string
}

/** Documents a workload may hold at once (a bound on the model, not on nedb). */
export const MAX_DOCS = 4096
/** Operations a workload may issue. */
export const MAX_OPS = 4096

export class History {
  readonly ops: OpRecord[] = []
  /** The state after every issued operation, in issue order (what nedb's executor converges to). */
  readonly #current = new Map<number, DocState>()
  #next_seq = 0

  /** Documents that exist after every issued operation, by `seq` (ascending). */
  liveSeqs(): number[] {
    const live: number[] = []
    for (const [seq, state] of this.#current) if (state !== null) live.push(seq)
    return live.sort((a, b) => a - b)
  }

  state(seq: number): DocState {
    return this.#current.get(seq) ?? null
  }

  /** Records an insert of `bodies.length` new documents; returns the op and the documents to pass to nedb. */
  insert(bodies: readonly string[]): { op: OpRecord; docs: { seq: number; v: number; body: string }[] } {
    if (bodies.length === 0) throw new RangeError('History.insert: at least one document')
    if (this.#next_seq + bodies.length > MAX_DOCS) throw new RangeError(`History.insert: more than ${MAX_DOCS} documents`)
    const docs = bodies.map((body) => ({ seq: this.#next_seq++, v: 0, body }))
    const op = this.#push('insert', docs.map((doc) => doc.seq), docs.map((doc) => ({ v: doc.v, body: doc.body })))
    return { op, docs }
  }

  /** Records a new version of a live document. */
  update(seq: number, body: string): { op: OpRecord; v: number } {
    const before = this.state(seq)
    if (before === null) throw new RangeError(`History.update: document ${seq} is not live`)
    const v = before.v + 1
    return { op: this.#push('update', [seq], [{ v, body }]), v }
  }

  /** Records the removal of a live document. */
  remove(seq: number): OpRecord {
    if (this.state(seq) === null) throw new RangeError(`History.remove: document ${seq} is not live`)
    return this.#push('remove', [seq], [null])
  }

  /** The state a compaction issued now will write: every operation issued so far. */
  snapshot(source: string): Snapshot {
    return { op_count: this.ops.length, state: new Map(this.#current), source }
  }

  #push(kind: OpKind, seqs: number[], after: DocState[]): OpRecord {
    if (this.ops.length >= MAX_OPS) throw new RangeError(`History: more than ${MAX_OPS} operations`)
    const op: OpRecord = { index: this.ops.length, kind, seqs, after, status: 'pending' }
    this.ops.push(op)
    seqs.forEach((seq, i) => this.#current.set(seq, after[i]!))
    return op
  }
}

/** A snapshot of exactly what a completed load held: after it, the database must load the same. */
export function snapshotOfLoaded(loaded: ReadonlyMap<number, DocState>, op_count: number, source: string): Snapshot {
  return { op_count, state: new Map(loaded), source }
}

const DOC_FIELDS = new Set(['_id', 'seq', 'v', 'body'])

/** Reads loaded documents into states by `seq`; anything that is not a document of ours is a violation. */
export function readLoaded(docs: readonly Record<string, unknown>[]): { states: Map<number, DocState>; violations: Violation[] } {
  const states = new Map<number, DocState>()
  const violations: Violation[] = []
  for (const doc of docs) {
    const { seq, v, body } = doc
    const extra = Object.keys(doc).filter((key) => !DOC_FIELDS.has(key))
    if (typeof seq !== 'number' || typeof v !== 'number' || typeof body !== 'string' || typeof doc._id !== 'string' || extra.length > 0) {
      violations.push({ kind: 'unknown_document', seq: typeof seq === 'number' ? seq : null, detail: JSON.stringify(doc).slice(0, 200) })
      continue
    }
    if (states.has(seq)) {
      violations.push({ kind: 'duplicate', seq, detail: `seq ${seq} loaded twice` })
      continue
    }
    states.set(seq, { v, body })
  }
  return { states, violations }
}

function same(a: DocState, b: DocState): boolean {
  return a === null ? b === null : b !== null && a.v === b.v && a.body === b.body
}

function describe(state: DocState): string {
  return state === null ? 'absent' : `v${state.v}`
}

/**
 * The contract: every document of the snapshot (the last completed compaction) is loaded in its
 * snapshot state, or in a state a later operation gave it (a later append may or may not have
 * landed: nedb does not sync appends, README.md line 119); a document the snapshot does not hold
 * is absent or in a state a later operation gave it. Later operations count whatever their
 * status: one that failed at the crash may still have written its line.
 */
export function checkContract(history: History, snapshot: Snapshot, loaded: ReadonlyMap<number, DocState>): Violation[] {
  const violations: Violation[] = []
  const allowed = new Map<number, DocState[]>()
  for (const [seq, state] of snapshot.state) allowed.set(seq, [state])
  for (const op of history.ops.slice(snapshot.op_count)) {
    op.seqs.forEach((seq, i) => {
      const states = allowed.get(seq) ?? [null]
      states.push(op.after[i]!)
      allowed.set(seq, states)
    })
  }
  for (const [seq, states] of allowed) {
    const got = loaded.get(seq) ?? null
    if (states.some((state) => same(state, got))) continue
    const was = snapshot.state.get(seq) ?? null
    const kind: ViolationKind = got === null && was !== null ? 'compacted_lost' : 'wrong_state'
    violations.push({ kind, seq, detail: `seq ${seq}: loaded ${describe(got)}, allowed ${states.map(describe).join('|')} (${snapshot.source})` })
  }
  for (const [seq, state] of loaded) {
    if (!allowed.has(seq)) violations.push({ kind: 'unknown_document', seq, detail: `seq ${seq} (${describe(state)}) was never written` })
  }
  return violations
}

/**
 * Documents whose last acknowledged state is not what was loaded: what the crash lost of the
 * work nedb had acknowledged (documented: appends are not synced). Counted, not a violation.
 */
export function acknowledgedLost(history: History, snapshot: Snapshot, loaded: ReadonlyMap<number, DocState>): number {
  // Per document: the states from its last acknowledged operation on (a later one may have landed).
  const since_ack = new Map<number, DocState[]>()
  for (const op of history.ops.slice(snapshot.op_count)) {
    op.seqs.forEach((seq, i) => {
      if (op.status === 'ok') since_ack.set(seq, [op.after[i]!])
      else since_ack.get(seq)?.push(op.after[i]!)
    })
  }
  let lost = 0
  for (const [seq, states] of since_ack) if (!states.some((state) => same(state, loaded.get(seq) ?? null))) lost++
  return lost
}
