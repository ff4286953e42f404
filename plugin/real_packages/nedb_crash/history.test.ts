import { describe, expect, it } from 'vitest'
import { acknowledgedLost, checkContract, History, readLoaded, snapshotOfLoaded, type DocState } from './history.js'

const doc = (seq: number, v: number, body: string, _id = `id${seq}`) => ({ _id, seq, v, body })
const states = (entries: [number, DocState][]) => new Map(entries)

/** Three documents, a compaction, then an update of 0, a removal of 1 and an insert of 3. */
function workload() {
  const history = new History()
  const a = history.insert(['a', 'b'])
  const c = history.insert(['c'])
  for (const op of [a.op, c.op]) op.status = 'ok'
  const compacted = history.snapshot('compaction 1')
  const update = history.update(0, 'a2')
  const remove = history.remove(1)
  const insert = history.insert(['d'])
  return { history, compacted, update, remove, insert }
}

describe('checkContract', () => {
  it('accepts the compacted state with none of the later operations landed', () => {
    const { history, compacted } = workload()
    const loaded = states([[0, { v: 0, body: 'a' }], [1, { v: 0, body: 'b' }], [2, { v: 0, body: 'c' }]])
    expect(checkContract(history, compacted, loaded)).toEqual([])
  })

  it('accepts any later operation landed, in any combination', () => {
    const { history, compacted } = workload()
    // The update and the insert landed, the removal (between them) did not.
    const loaded = states([[0, { v: 1, body: 'a2' }], [1, { v: 0, body: 'b' }], [2, { v: 0, body: 'c' }], [3, { v: 0, body: 'd' }]])
    expect(checkContract(history, compacted, loaded)).toEqual([])
    expect(checkContract(history, compacted, states([[0, { v: 0, body: 'a' }], [2, { v: 0, body: 'c' }]]))).toEqual([])
  })

  it('reports a compacted document that is gone', () => {
    const { history, compacted } = workload()
    const violations = checkContract(history, compacted, states([[0, { v: 0, body: 'a' }], [1, { v: 0, body: 'b' }]]))
    expect(violations).toEqual([{ kind: 'compacted_lost', seq: 2, detail: 'seq 2: loaded absent, allowed v0 (compaction 1)' }])
  })

  it('reports a document in a state it never had (corrupted) or with the wrong version', () => {
    const { history, compacted } = workload()
    const loaded = states([[0, { v: 1, body: 'a?' }], [1, { v: 0, body: 'b' }], [2, { v: 0, body: 'c' }]])
    expect(checkContract(history, compacted, loaded).map((v) => [v.kind, v.seq])).toEqual([['wrong_state', 0]])
  })

  it('reports a document removed before the compaction that comes back', () => {
    const history = new History()
    history.insert(['a'])
    history.remove(0)
    const compacted = history.snapshot('compaction 1')
    expect(checkContract(history, compacted, states([[0, { v: 0, body: 'a' }]])).map((v) => v.kind)).toEqual(['wrong_state'])
  })

  it('reports a document nobody wrote', () => {
    const { history, compacted } = workload()
    const loaded = states([[0, { v: 0, body: 'a' }], [1, { v: 0, body: 'b' }], [2, { v: 0, body: 'c' }], [9, { v: 0, body: 'x' }]])
    expect(checkContract(history, compacted, loaded).map((v) => [v.kind, v.seq])).toEqual([['unknown_document', 9]])
  })

  it('after a completed load, only exactly what it loaded is allowed', () => {
    const { history, compacted } = workload()
    const loaded = states([[0, { v: 1, body: 'a2' }], [2, { v: 0, body: 'c' }]])
    expect(checkContract(history, compacted, loaded)).toEqual([])
    const reloaded = snapshotOfLoaded(loaded, history.ops.length, 'first reload')
    expect(checkContract(history, reloaded, loaded)).toEqual([])
    // The update landing once does not allow it to be gone the next time.
    expect(checkContract(history, reloaded, states([[0, { v: 0, body: 'a' }], [2, { v: 0, body: 'c' }]])).map((v) => v.kind)).toEqual(['wrong_state'])
  })
})

describe('readLoaded', () => {
  it('reads our documents and reports duplicates and foreign ones', () => {
    const { states: read, violations } = readLoaded([doc(0, 0, 'a'), doc(0, 1, 'a2', 'other'), { _id: 'x', seq: 1, v: 0, body: 'b', extra: true }, { _id: 'y' }])
    expect([...read]).toEqual([[0, { v: 0, body: 'a' }]])
    expect(violations.map((v) => [v.kind, v.seq])).toEqual([['duplicate', 0], ['unknown_document', 1], ['unknown_document', null]])
  })
})

describe('acknowledgedLost', () => {
  it('counts acknowledged work after the snapshot that was not loaded, letting a later landed operation count as kept', () => {
    const { history, compacted, update, remove, insert } = workload()
    update.op.status = 'ok'
    remove.status = 'ok'
    insert.op.status = 'error'
    // The update is lost, the removal landed; the failed insert does not count either way.
    const loaded = states([[0, { v: 0, body: 'a' }], [2, { v: 0, body: 'c' }], [3, { v: 0, body: 'd' }]])
    expect(acknowledgedLost(history, compacted, loaded)).toBe(1)
  })
})

describe('History', () => {
  it('refuses operations on documents that are not live', () => {
    const history = new History()
    expect(() => history.update(0, 'x')).toThrow(/not live/)
    history.insert(['a'])
    history.remove(0)
    expect(() => history.remove(0)).toThrow(/not live/)
    expect(history.liveSeqs()).toEqual([])
  })
})
