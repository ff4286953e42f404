/**
 * A bounded first-in first-out queue: an array read from a moving head,
 * compacted when the dead prefix dominates, so push and shift are amortised
 * O(1) without a ring's modular arithmetic.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = []
  #head = 0

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`Fifo: capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.#items.length - this.#head
  }

  get full(): boolean {
    return this.#items.length - this.#head >= this.capacity
  }

  push(item: T): void {
    if (this.full) throw new RangeError(`Fifo: full at its capacity of ${this.capacity}`)
    this.#items.push(item)
  }

  shift(): T | undefined {
    const items = this.#items
    if (this.#head === items.length) return undefined
    const item = items[this.#head]
    items[this.#head] = undefined
    this.#head++
    if (this.#head === items.length) {
      // Empty: reuse the array from its start (the common case: one in, one out).
      items.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[]
    this.#items = []
    this.#head = 0
    return rest
  }
}
