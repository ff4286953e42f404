import { BudgetExceeded, formatNs, NS_PER_MS, type Clock } from '../world/clock.js'
import type { World } from '../world/world.js'
import { EventQueue } from './event_queue.js'
import { SimulationStalled } from './errors.js'
import { Operation } from './operation.js'
import { Task } from './task.js'
import { DEFAULT_MAX_STEPS, DEFAULT_MAX_TIME_NS, type ContextCarrier, type LoopOptions } from './loop_options.js'

export { Operation } from './operation.js'
export { DEFAULT_MAX_STEPS, DEFAULT_MAX_TIME_NS, type ContextCarrier, type LoopOptions } from './loop_options.js'

/**
 * The simulated event loop.
 *
 * Macrotasks (timers, immediates, scheduled operations) are simulated and run
 * in Node's order: at each instant, due timers and operations by (due, seq),
 * then the immediates queued before that check phase began; time jumps to the
 * next due task only when nothing is runnable now. Microtasks are V8's own.
 * `process.nextTick` is simulated so it keeps Node's place ahead of promise jobs.
 *
 * After each macrotask the loop waits for every microtask to settle before it
 * runs the next one. It does so without a real macrotask: it queues one
 * microtask (a reaction on an already-fulfilled promise) that queues one real
 * nextTick, which Node runs only after the whole microtask queue is empty
 * (~0.09 us a step on our machines, against ~0.75 us for setImmediate; see
 * docs/performance.md). Every `yield_every_steps` steps it yields to the real event
 * loop, so the host process (and the test runner's own timers) stay live.
 *
 * The fast settle assumes simulated code uses the simulated nextTick. Code that
 * reaches the real `process.nextTick` from a microtask (Node's own streams do)
 * needs `settle: 'macrotask'`, which settles through a real setImmediate.
 */

const realNextTick = process.nextTick
const realSetImmediate = setImmediate
/**
 * `resolved.then(f)` queues `f` as a microtask like `queueMicrotask(f)` does, in the same
 * V8 queue and FIFO position, without the AsyncResource and bound function Node's
 * `queueMicrotask` allocates per call.
 */
const resolved = Promise.resolve()

interface TickEntry {
  callback: Function
  args: unknown[] | undefined
  context: unknown
}

const enum Goal {
  None,
  Settle,
  Idle,
  Time,
}

export class EventLoop {
  readonly clock: Clock
  readonly max_steps: number
  readonly max_time_ms: number
  readonly max_time_sub_ns: number
  readonly explore: boolean
  readonly settle: 'microtask' | 'macrotask'
  readonly yield_every_steps: number

  readonly #queue = new EventQueue<Task>()
  /** Immediates in FIFO order; `#immediates_head` is the next to consider. */
  #immediates: Task[] = []
  #immediates_head = 0
  /** Immediates of the current check phase still to run (Node runs later ones next iteration). */
  #check_remaining = 0
  #ticks: TickEntry[] = []
  #ticks_head = 0
  #seq = 0
  /** Pending tasks that keep the run alive. */
  #ref_count = 0
  #steps = 0

  #goal = Goal.None
  #goal_settled = false
  #target_ms = 0
  #target_sub_ns = 0
  #resolve: (() => void) | null = null
  #reject: ((error: unknown) => void) | null = null
  #failure: unknown = null
  #has_failure = false
  #raised: Error | null = null
  /** Holders that need the macrotask settle for now (see holdMacrotaskSettle). */
  #macrotask_settle_holds = 0
  #carrier: ContextCarrier | null = null

  constructor(
    readonly world: World,
    options: LoopOptions = {},
  ) {
    this.clock = world.clock
    this.max_steps = options.max_steps ?? DEFAULT_MAX_STEPS
    if (!Number.isSafeInteger(this.max_steps) || this.max_steps <= 0) {
      throw new RangeError(`max_steps must be a positive integer, got ${this.max_steps}`)
    }
    const max_time_ns = BigInt(options.max_time_ns ?? DEFAULT_MAX_TIME_NS)
    if (max_time_ns <= 0n) throw new RangeError(`max_time_ns must be positive, got ${max_time_ns}`)
    this.max_time_ms = Number(max_time_ns / 1_000_000n)
    this.max_time_sub_ns = Number(max_time_ns % 1_000_000n)
    this.explore = options.explore ?? false
    this.settle = options.settle ?? 'microtask'
    if (this.settle !== 'microtask' && this.settle !== 'macrotask') {
      throw new RangeError(`settle must be 'microtask' or 'macrotask', got ${String(this.settle)}`)
    }
    this.yield_every_steps = options.yield_every_steps ?? 2048
  }

  /**
   * Installs the context carrier (once; a simulation's network does). From then
   * on every task captures the context at scheduling and runs in it. Without one
   * (the default) the loop pays a single null check per task.
   */
  setContextCarrier(carrier: ContextCarrier): void {
    if (this.#carrier !== null && this.#carrier !== carrier) throw new Error('EventLoop: a context carrier is already installed')
    this.#carrier = carrier
  }

  get steps(): number {
    return this.#steps
  }

  /** Pending timers, operations and immediates (ref'd or not). */
  get pending_count(): number {
    return this.#queue.size + (this.#immediates.length - this.#immediates_head)
  }

  // ---- scheduling, for timers and subsystems -------------------------------------------------

  /** Queues `task` to run `delay_ns` after now. */
  scheduleAfter(task: Task, delay_ns: number): void {
    if (!Number.isSafeInteger(delay_ns) || delay_ns < 0) {
      throw new RangeError(`scheduleAfter: delay_ns must be a non-negative safe integer, got ${delay_ns}`)
    }
    let sub_ns = this.clock.sub_ns + (delay_ns % NS_PER_MS)
    let ms = this.clock.ms + Math.floor(delay_ns / NS_PER_MS)
    if (sub_ns >= NS_PER_MS) {
      sub_ns -= NS_PER_MS
      ms += 1
    }
    this.#insert(task, ms, sub_ns)
  }

  /** Queues `task` `delay_ms` whole milliseconds after now: timers' path, with no nanosecond arithmetic. */
  scheduleAfterMs(task: Task, delay_ms: number): void {
    if (!Number.isSafeInteger(delay_ms) || delay_ms < 0) {
      throw new RangeError(`scheduleAfterMs: delay_ms must be a non-negative safe integer, got ${delay_ms}`)
    }
    this.#insert(task, this.clock.ms + delay_ms, this.clock.sub_ns)
  }

  /** Queues `task` at an absolute simulated time (not before now). */
  scheduleAt(task: Task, time_ns: bigint): void {
    const ms = Number(time_ns / 1_000_000n)
    const sub_ns = Number(time_ns % 1_000_000n)
    if (ms < this.clock.ms || (ms === this.clock.ms && sub_ns < this.clock.sub_ns)) {
      throw new RangeError(`scheduleAt: ${time_ns} ns is in the past (now ${this.clock.nowNsText()} ns)`)
    }
    this.#insert(task, ms, sub_ns)
  }

  /** Completes `callback` at `delay_ns` from now: the entry point for simulated I/O. */
  after(delay_ns: number, label: string, callback: () => void): Operation {
    const operation = new Operation(this, label, callback)
    this.scheduleAfter(operation, delay_ns)
    return operation
  }

  /** Completes `callback` at absolute simulated time `time_ns`. */
  at(time_ns: bigint, label: string, callback: () => void): Operation {
    const operation = new Operation(this, label, callback)
    this.scheduleAt(operation, time_ns)
    return operation
  }

  #insert(task: Task, ms: number, sub_ns: number): void {
    if (task.heap_index !== -1) this.#queue.remove(task)
    else if (task.refed) this.#ref_count++
    task.due_ms = ms
    task.due_sub_ns = sub_ns
    task.seq = this.#seq++
    if (this.#carrier !== null) task.context = this.#carrier.capture()
    this.#queue.push(task)
  }

  /** Removes a queued timer or operation; no effect if it is not queued. */
  unschedule(task: Task): void {
    if (task.heap_index === -1) return
    this.#queue.remove(task)
    if (task.refed) this.#ref_count--
  }

  isScheduled(task: Task): boolean {
    return task.heap_index !== -1
  }

  /** Changes whether a pending task keeps the run alive. */
  setRefed(task: Task, refed: boolean, pending: boolean): void {
    if (task.refed === refed) return
    task.refed = refed
    if (pending) this.#ref_count += refed ? 1 : -1
  }

  enqueueImmediate(task: Task): void {
    task.seq = this.#seq++
    if (this.#carrier !== null) task.context = this.#carrier.capture()
    if (task.refed) this.#ref_count++
    this.#immediates.push(task)
  }

  /** Clears an immediate that has not run yet. */
  clearImmediate(task: Task): void {
    if (task.cleared) return
    task.cleared = true
    if (task.refed) this.#ref_count--
  }

  /** The simulated `process.nextTick`. */
  nextTick(callback: Function, args?: unknown[]): void {
    this.#ticks.push({ callback, args, context: this.#carrier === null ? undefined : this.#carrier.capture() })
  }

  /**
   * Fails the run with `error` at its next step (the first raised error wins and
   * stays): for problems detected outside the loop's own call stack, such as a
   * determinism leak seen by the platform's tripwires, which user code could
   * otherwise catch and ignore.
   */
  raise(error: Error): void {
    this.#raised ??= error
  }

  /** The error passed to `raise`, if any. */
  get raised_error(): Error | null {
    return this.#raised
  }

  // ---- running ---------------------------------------------------------------------------------

  /**
   * Runs `start` as the first macrotask and drives the loop until the promise it
   * returns settles. Rejects if the run stalls, exceeds a budget, or a task throws.
   */
  run<T>(start: () => T | PromiseLike<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null
    return this.#drive_until(Goal.Settle, () => {
      const result = start()
      Promise.resolve(result).then(
        (value) => {
          outcome = { ok: true, value }
          this.#goal_settled = true
        },
        (error: unknown) => {
          outcome = { ok: false, error }
          this.#goal_settled = true
        },
      )
    }).then(() => {
      const settled = outcome as { ok: true; value: T } | { ok: false; error: unknown }
      if (!settled.ok) throw settled.error
      return settled.value
    })
  }

  /** Runs `start` (if given), then everything scheduled, until no ref'd work remains. */
  runUntilIdle(start?: () => void): Promise<void> {
    return this.#drive_until(Goal.Idle, start)
  }

  /** Runs every task due up to `duration_ns` from now, then leaves the clock there. */
  runFor(duration_ns: number): Promise<void> {
    if (!Number.isSafeInteger(duration_ns) || duration_ns < 0) {
      throw new RangeError(`runFor: duration_ns must be a non-negative safe integer, got ${duration_ns}`)
    }
    let sub_ns = this.clock.sub_ns + (duration_ns % NS_PER_MS)
    let ms = this.clock.ms + Math.floor(duration_ns / NS_PER_MS)
    if (sub_ns >= NS_PER_MS) {
      sub_ns -= NS_PER_MS
      ms += 1
    }
    this.#target_ms = ms
    this.#target_sub_ns = sub_ns
    return this.#drive_until(Goal.Time).then(() => this.clock.advanceTo(ms, sub_ns))
  }

  #drive_until(goal: Goal, start?: () => void): Promise<void> {
    if (this.#goal !== Goal.None) throw new Error('EventLoop: the loop is already running')
    if (this.#has_failure) return Promise.reject(this.#failure)
    this.#goal = goal
    this.#goal_settled = false
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
      const carrier = this.#carrier
      const caller_context = carrier === null ? undefined : carrier.capture()
      try {
        start?.()
        this.#runTicks()
        // Ticks run here entered their own contexts: the caller keeps its own.
        if (carrier !== null) carrier.enter(caller_context)
      } catch (error) {
        if (carrier !== null) carrier.enter(caller_context)
        this.#fail(error)
        return
      }
      this.#settleThenDrive()
    })
  }

  /**
   * Makes the loop settle through a real macrotask, as `settle: 'macrotask'`
   * does, until the returned function is called. For simulated I/O driven by
   * Node's own streams (fs.ReadStream over the simulated disk): they continue
   * through the real `process.nextTick`, often from a microtask, where the
   * fast settle would run the next task (or declare a stall) too early.
   */
  holdMacrotaskSettle(): () => void {
    this.#macrotask_settle_holds++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#macrotask_settle_holds--
    }
  }

  #settleThenDrive(): void {
    if (this.settle === 'macrotask' || this.#macrotask_settle_holds > 0 || this.#steps % this.yield_every_steps === 0) {
      realSetImmediate(this.#drive)
    } else {
      void resolved.then(this.#afterMicrotasks)
    }
  }

  /** Queued as a microtask: by the time this nextTick runs, the microtask queue is empty. */
  readonly #afterMicrotasks = (): void => {
    realNextTick(this.#driveAfterTick)
  }

  /** The fast settle's landing: a hold taken since it was queued (a stream created in a microtask) settles through a macrotask first. */
  readonly #driveAfterTick = (): void => {
    if (this.#macrotask_settle_holds > 0) realSetImmediate(this.#drive)
    else this.#drive()
  }

  readonly #drive = (): void => {
    if (this.#goal === Goal.None) return
    try {
      // An error raised from outside the loop (a leak in the microtasks just settled) stops the run before it goes on or finishes.
      if (this.#raised !== null) throw this.#raised
      if (this.#ticks_head < this.#ticks.length) {
        // A microtask called nextTick: Node runs those ticks now, then microtasks again.
        this.#runTicks()
        this.#checkStickyErrors()
        this.#settleThenDrive()
        return
      }
      if (this.#goal === Goal.Settle && this.#goal_settled) {
        this.#finish()
        return
      }
      const task = this.#next()
      if (task === null) return
      if (++this.#steps > this.max_steps) {
        throw new BudgetExceeded(
          'max_steps',
          `the run took more than ${this.max_steps} steps (timers, immediates and operations run) and was stopped ` +
            `at ${this.clock.nowNsText()} ns. A timer or immediate that re-arms itself forever is the usual cause; ` +
            'otherwise raise max_steps.',
        )
      }
      if (this.#carrier !== null) this.#carrier.enter(task.context)
      task.fire()
      this.#runTicks()
      this.#checkStickyErrors()
    } catch (error) {
      this.#fail(error)
      return
    }
    this.#settleThenDrive()
  }

  /** Picks the next macrotask, moving time if nothing is runnable now; null when the goal is met. */
  #next(): Task | null {
    while (this.#check_remaining > 0) {
      this.#check_remaining--
      const immediate = this.#takeImmediate()
      if (immediate !== null) return immediate
    }
    const clock = this.clock
    const top = this.#queue.peek()
    if (top !== undefined && (top.due_ms < clock.ms || (top.due_ms === clock.ms && top.due_sub_ns <= clock.sub_ns))) {
      return this.#popDue()
    }
    if (this.#immediates_head < this.#immediates.length) {
      this.#check_remaining = this.#immediates.length - this.#immediates_head
      return this.#next()
    }
    if (this.#goal === Goal.Time) {
      if (top === undefined || top.due_ms > this.#target_ms || (top.due_ms === this.#target_ms && top.due_sub_ns > this.#target_sub_ns)) {
        this.#finish()
        return null
      }
    } else if (this.#ref_count === 0) {
      if (this.#goal === Goal.Idle) this.#finish()
      else this.#fail(this.#stalled())
      return null
    }
    if (top === undefined) throw new Error('EventLoop: ref count is positive with nothing queued')
    if (top.due_ms > this.max_time_ms || (top.due_ms === this.max_time_ms && top.due_sub_ns > this.max_time_sub_ns)) {
      throw new BudgetExceeded(
        'max_time',
        `the run would pass its simulated time budget of ${formatNs(this.max_time_ms, this.max_time_sub_ns)} ns ` +
          `(next task ${top.describe()} is due at ${formatNs(top.due_ms, top.due_sub_ns)} ns). ` +
          'Raise max_time_ns if the scenario really needs longer.',
      )
    }
    clock.advanceTo(top.due_ms, top.due_sub_ns)
    return this.#popDue()
  }

  #popDue(): Task {
    if (!this.explore) {
      const task = this.#queue.pop() as Task
      if (task.refed) this.#ref_count--
      return task
    }
    const first = this.#queue.pop() as Task
    const ready: Task[] = [first]
    for (let next = this.#queue.peek(); next !== undefined; next = this.#queue.peek()) {
      if (next.due_ms !== first.due_ms || next.due_sub_ns !== first.due_sub_ns) break
      ready.push(this.#queue.pop() as Task)
    }
    let chosen = 0
    if (ready.length > 1) {
      chosen = this.world.random('scheduler').intLessThan(ready.length)
      this.world.trace.record('scheduler.choose', {
        now_ns: this.clock.nowNsText(),
        ready: ready.length,
        chosen,
      })
    }
    for (let i = 0; i < ready.length; i++) {
      if (i !== chosen) this.#queue.push(ready[i] as Task)
    }
    const task = ready[chosen] as Task
    if (task.refed) this.#ref_count--
    return task
  }

  /**
   * Takes the next immediate of the current check phase (the caller has counted it
   * in `#check_remaining`); null when that entry was cleared. Exactly one entry is
   * consumed, so immediates queued during the phase wait for the next one, as in Node.
   */
  #takeImmediate(): Task | null {
    const immediates = this.#immediates
    const head = this.#immediates_head
    if (this.explore && this.#check_remaining > 0) {
      const live = this.#check_remaining + 1
      const chosen = this.world.random('scheduler').intLessThan(live)
      if (chosen !== 0) {
        this.world.trace.record('scheduler.choose', { now_ns: this.clock.nowNsText(), ready: live, chosen })
        const picked = immediates[head + chosen] as Task
        immediates.copyWithin(head + 1, head, head + chosen)
        immediates[head] = picked
      }
    }
    const task = immediates[head] as Task
    immediates[head] = undefined as unknown as Task
    this.#immediates_head = head + 1
    if (this.#immediates_head === immediates.length) {
      this.#immediates = []
      this.#immediates_head = 0
    } else if (this.#immediates_head > 1024 && this.#immediates_head * 2 > immediates.length) {
      this.#immediates = immediates.slice(this.#immediates_head)
      this.#immediates_head = 0
    }
    if (task.cleared) return null
    if (task.refed) this.#ref_count--
    return task
  }

  #runTicks(): void {
    const ticks = this.#ticks
    // Nothing queued (the usual case): keep the empty array rather than allocate a new one each step.
    if (ticks.length === 0) return
    while (this.#ticks_head < ticks.length) {
      const tick = ticks[this.#ticks_head] as TickEntry
      ticks[this.#ticks_head] = undefined as unknown as TickEntry
      this.#ticks_head++
      if (this.#carrier !== null) this.#carrier.enter(tick.context)
      // Node calls a tick callback as a plain function: `this` is undefined, not the queue entry.
      const callback = tick.callback
      if (tick.args === undefined) callback()
      else callback(...tick.args)
    }
    this.#ticks = []
    this.#ticks_head = 0
  }

  #checkStickyErrors(): void {
    const error = this.clock.budget_error ?? this.world.trace.limit_error ?? this.#raised
    if (error !== null) throw error
  }

  #stalled(): SimulationStalled {
    const pending = this.#queue
      .entries()
      .filter((task) => !task.refed)
      .sort((a, b) => a.due_ms - b.due_ms || a.due_sub_ns - b.due_sub_ns || a.seq - b.seq)
      .map((task) => `${task.describe()} due at ${formatNs(task.due_ms, task.due_sub_ns)} ns (unref'd)`)
    const error = new SimulationStalled(this.clock.nowNsText(), pending)
    this.world.trace.record('loop.stalled', { now_ns: error.now_ns, unrefed_pending: pending.length })
    return error
  }

  #finish(): void {
    const resolve = this.#resolve
    this.#goal = Goal.None
    this.#resolve = null
    this.#reject = null
    resolve?.()
  }

  #fail(error: unknown): void {
    if (!this.#has_failure) {
      this.#has_failure = true
      this.#failure = error
      if (error instanceof BudgetExceeded) {
        try {
          this.world.trace.record('loop.budget_exceeded', { budget: error.budget, now_ns: this.clock.nowNsText() })
        } catch {
          // The trace itself may be what ran out; the error already says so.
        }
      }
    }
    const reject = this.#reject
    this.#goal = Goal.None
    this.#resolve = null
    this.#reject = null
    reject?.(this.#failure)
  }
}
