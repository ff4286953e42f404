/**
 * The pending-task queue: a binary min-heap ordered by (due time, sequence).
 * Entries carry their own heap index so cancelling or re-arming a timer is
 * O(log n) with no allocation.
 */

export interface QueueEntry {
  /** Due time, whole milliseconds since simulated time zero. */
  due_ms: number
  /** Due time, nanoseconds past `due_ms`, in [0, 1e6). */
  due_sub_ns: number
  /** Insertion order; breaks ties between entries due at the same instant. */
  seq: number
  /** Position in the heap, or -1 when not queued. */
  heap_index: number
}

export function isBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.due_ms !== b.due_ms) return a.due_ms < b.due_ms
  if (a.due_sub_ns !== b.due_sub_ns) return a.due_sub_ns < b.due_sub_ns
  return a.seq < b.seq
}

export class EventQueue<T extends QueueEntry> {
  readonly #heap: T[] = []
  readonly max_entries: number

  constructor(max_entries = 10_000_000) {
    this.max_entries = max_entries
  }

  get size(): number {
    return this.#heap.length
  }

  peek(): T | undefined {
    return this.#heap[0]
  }

  /** Entries in no particular order, for diagnostics. */
  entries(): readonly T[] {
    return this.#heap
  }

  push(entry: T): void {
    if (entry.heap_index !== -1) throw new Error('EventQueue.push: entry is already queued')
    if (this.#heap.length >= this.max_entries) {
      throw new RangeError(`EventQueue: more than ${this.max_entries} pending tasks; the simulation is leaking timers`)
    }
    entry.heap_index = this.#heap.length
    this.#heap.push(entry)
    this.#siftUp(entry.heap_index)
  }

  pop(): T | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop() as T
    if (last !== top) {
      heap[0] = last
      last.heap_index = 0
      this.#siftDown(0)
    }
    top.heap_index = -1
    return top
  }

  remove(entry: T): void {
    const index = entry.heap_index
    if (index === -1) return
    const heap = this.#heap
    if (heap[index] !== entry) throw new Error('EventQueue.remove: heap index is stale')
    const last = heap.pop() as T
    entry.heap_index = -1
    if (last === entry) return
    heap[index] = last
    last.heap_index = index
    this.#siftDown(index)
    this.#siftUp(last.heap_index)
  }

  #siftUp(index: number): void {
    const heap = this.#heap
    const entry = heap[index] as T
    while (index > 0) {
      const parent_index = (index - 1) >> 1
      const parent = heap[parent_index] as T
      if (!isBefore(entry, parent)) break
      heap[index] = parent
      parent.heap_index = index
      index = parent_index
    }
    heap[index] = entry
    entry.heap_index = index
  }

  #siftDown(index: number): void {
    const heap = this.#heap
    const length = heap.length
    const entry = heap[index] as T
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      let child = left
      if (right < length && isBefore(heap[right] as T, heap[left] as T)) child = right
      const child_entry = heap[child] as T
      if (!isBefore(child_entry, entry)) break
      heap[index] = child_entry
      child_entry.heap_index = index
      index = child
    }
    heap[index] = entry
    entry.heap_index = index
  }
}
