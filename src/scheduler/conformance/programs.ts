/**
 * The Node conformance programs.
 *
 * Each program runs twice: under real Node (in a child process, rebuilt from
 * `run.toString()`) and under the simulator; the suite asserts both logs are
 * equal. So a program may use only its two parameters (`p`, `log`) and language
 * built-ins (Promise, async/await, AbortController...): no imports and no
 * closures over anything in this module. Type annotations and `as` casts are
 * fine, they are gone from the transformed source.
 *
 * Every program is deterministic in real Node. Timing rules that keep it so:
 * - never race a top-level (or immediate-scheduled) setTimeout against a
 *   setImmediate unless the timer is at least ~10 ms out;
 * - timers that must fire in a given order are either in the same duration list
 *   (same delay, created in that order: Node keeps them FIFO), or at least ~10 ms
 *   apart in due time (real timers fire late when the host is busy);
 * - no real elapsed times in the log, and no ids (they differ between runs).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callback = (this: any, ...args: any[]) => void

export interface PlatformTimeout {
  ref(): PlatformTimeout
  unref(): PlatformTimeout
  hasRef(): boolean
  refresh(): PlatformTimeout
  close(): PlatformTimeout
  [Symbol.toPrimitive](): number
  [Symbol.dispose](): void
}

export interface PlatformImmediate {
  ref(): PlatformImmediate
  unref(): PlatformImmediate
  hasRef(): boolean
  [Symbol.dispose](): void
}

export interface PlatformTimersPromises {
  setTimeout<T = void>(delay?: unknown, value?: T, options?: unknown): Promise<T>
  setImmediate<T = void>(value?: T, options?: unknown): Promise<T>
  setInterval<T = void>(delay?: unknown, value?: T, options?: unknown): AsyncIterableIterator<T>
  scheduler: {
    wait(delay: unknown, options?: unknown): Promise<void>
    yield(): Promise<void>
  }
}

/** What a program may touch: Node's timers, nextTick, queueMicrotask and timers/promises. */
export interface Platform {
  setTimeout(callback: Callback, delay?: unknown, ...args: unknown[]): PlatformTimeout
  clearTimeout(timer: unknown): void
  setInterval(callback: Callback, delay?: unknown, ...args: unknown[]): PlatformTimeout
  clearInterval(timer: unknown): void
  setImmediate(callback: Callback, ...args: unknown[]): PlatformImmediate
  clearImmediate(immediate: unknown): void
  nextTick(callback: Callback, ...args: unknown[]): void
  queueMicrotask(callback: () => void): void
  timersPromises: PlatformTimersPromises
}

export type Log = (entry: string) => void

export interface Program {
  name: string
  run: (p: Platform, log: Log) => void | Promise<void>
}

/** The error facts a program logs: never stacks or ids. */
interface ErrorLike {
  name?: string
  code?: string
  message?: string
  cause?: unknown
}

export const programs: readonly Program[] = [
  // ---- microtasks and nextTick ------------------------------------------------------------------
  {
    name: 'nested promises',
    run: (p, log) => {
      Promise.resolve()
        .then(() => {
          log('outer 1')
          Promise.resolve()
            .then(() => {
              log('inner 1')
              Promise.resolve().then(() => log('innermost'))
            })
            .then(() => log('inner 2'))
        })
        .then(() => log('outer 2'))
      new Promise<string>((resolve) => resolve(Promise.resolve('adopted promise'))).then((v) => log(v))
      Promise.resolve()
        .then(() => log('plain 1'))
        .then(() => log('plain 2'))
        .then(() => log('plain 3'))
        .then(() => log('plain 4'))
      const asyncReturningPromise = async (): Promise<string> => Promise.resolve('async returned a promise')
      void asyncReturningPromise().then((v) => log(v))
      const asyncAwaiting = async (): Promise<string> => {
        await null
        await null
        return 'async awaited twice'
      }
      void asyncAwaiting().then((v) => log(v))
      const thenable = {
        then(resolve: (v: string) => void) {
          log('thenable.then called')
          resolve('thenable value')
        },
      }
      void Promise.resolve(thenable).then((v) => log(v))
      log('sync end')
    },
  },
  {
    name: 'nextTick vs promise vs queueMicrotask',
    run: (p, log) => {
      p.queueMicrotask(() => log('microtask 1'))
      Promise.resolve().then(() => log('promise 1'))
      p.nextTick(() => log('tick 1'))
      p.queueMicrotask(() => log('microtask 2'))
      p.nextTick(() => log('tick 2'))
      Promise.resolve().then(() => log('promise 2'))
      log('sync')
    },
  },
  {
    name: 'nextTick inside microtasks',
    run: (p, log) => {
      Promise.resolve().then(() => {
        log('promise A')
        p.nextTick(() => {
          log('tick from A')
          Promise.resolve().then(() => log('promise from tick from A'))
        })
        Promise.resolve()
          .then(() => log('promise A.1'))
          .then(() => log('promise A.2'))
      })
      p.queueMicrotask(() => {
        log('microtask B')
        p.nextTick(() => log('tick from B'))
      })
      Promise.resolve().then(() => log('promise C'))
    },
  },
  {
    name: 'microtasks inside nextTick',
    run: (p, log) => {
      p.nextTick(() => {
        log('tick 1')
        Promise.resolve().then(() => {
          log('promise from tick 1')
          p.nextTick(() => log('tick from promise'))
          Promise.resolve().then(() => log('promise from promise from tick 1'))
        })
        p.nextTick(() => log('tick 1.1'))
        p.queueMicrotask(() => log('microtask from tick 1'))
      })
      p.nextTick(() => {
        log('tick 2')
        p.nextTick(() => log('tick 2.1'))
      })
      Promise.resolve().then(() => log('top-level promise'))
    },
  },
  {
    name: 'recursive nextTick runs before any promise',
    run: (p, log) => {
      let ticks = 0
      Promise.resolve().then(() => log(`promise saw ${ticks} ticks`))
      const again = (): void => {
        ticks++
        if (ticks < 50) p.nextTick(again)
        else log('last tick')
      }
      p.nextTick(again)
    },
  },
  {
    name: 'ping-pong between nextTick and microtasks',
    run: (p, log) => {
      let n = 0
      const viaTick = (): void => {
        log(`tick ${n}`)
        if (++n < 6) Promise.resolve().then(viaPromise)
      }
      const viaPromise = (): void => {
        log(`promise ${n}`)
        if (++n < 6) p.nextTick(viaTick)
      }
      p.nextTick(viaTick)
      Promise.resolve().then(() => log('bystander promise'))
      p.nextTick(() => log('bystander tick'))
    },
  },
  {
    name: 'async/await ordering puzzle',
    run: (p, log) => {
      const async2 = async (): Promise<void> => {
        log('async2')
      }
      const async1 = async (): Promise<void> => {
        log('async1 start')
        await async2()
        log('async1 end')
      }
      log('script start')
      p.setTimeout(() => log('setTimeout 30'), 30)
      void async1()
      new Promise<void>((resolve) => {
        log('promise1')
        resolve()
      }).then(() => log('promise2'))
      p.nextTick(() => log('nextTick'))
      p.setImmediate(() => log('setImmediate'))
      log('script end')
    },
  },
  {
    name: 'thenables calling nextTick',
    run: (p, log) => {
      const lateThenable = {
        then(resolve: (v: string) => void) {
          log('late thenable.then')
          p.nextTick(() => resolve('resolved from a tick'))
        },
      }
      void Promise.resolve(lateThenable).then((v) => log(v))
      Promise.resolve()
        .then(() => log('hop 1'))
        .then(() => log('hop 2'))
        .then(() => log('hop 3'))
        .then(() => log('hop 4'))
      p.nextTick(() => log('plain tick'))
    },
  },

  // ---- timers scheduled from ticks and microtasks -----------------------------------------------
  {
    name: 'timers scheduled from microtasks and nextTicks',
    run: (p, log) => {
      Promise.resolve().then(() => p.setTimeout(() => log('timer from microtask'), 10))
      p.nextTick(() => p.setTimeout(() => log('timer from tick'), 10))
      p.setTimeout(() => log('timer from sync code'), 10)
      p.queueMicrotask(() => p.nextTick(() => p.setTimeout(() => log('timer from tick from microtask'), 10)))
      p.nextTick(() => Promise.resolve().then(() => p.setTimeout(() => log('timer from microtask from tick'), 10)))
    },
  },
  {
    name: 'timers scheduled from a timer callback, its ticks and its microtasks',
    run: (p, log) => {
      p.setTimeout(() => {
        log('A')
        Promise.resolve().then(() => p.setTimeout(() => log('from A microtask'), 10))
        p.nextTick(() => p.setTimeout(() => log('from A tick'), 10))
        p.setTimeout(() => log('from A sync'), 10)
      }, 10)
      p.setTimeout(() => {
        log('B (same instant as A)')
        p.setTimeout(() => log('from B sync'), 10)
      }, 10)
      p.setTimeout(() => log('C at 40'), 40)
    },
  },
  {
    name: 'ticks and microtasks run between same-instant timers',
    run: (p, log) => {
      p.setTimeout(() => {
        log('T1')
        Promise.resolve().then(() => log('T1 promise'))
        p.nextTick(() => log('T1 tick'))
        p.queueMicrotask(() => log('T1 microtask'))
      }, 10)
      p.setTimeout(() => {
        log('T2')
        p.nextTick(() => {
          log('T2 tick')
          Promise.resolve().then(() => log('T2 tick promise'))
        })
      }, 10)
      p.setTimeout(() => log('T3'), 10)
    },
  },

  // ---- clearing ---------------------------------------------------------------------------------
  {
    name: 'clearTimeout of a later timer from a callback at the same instant',
    run: (p, log) => {
      p.setTimeout(() => {
        log('A clears B')
        p.clearTimeout(b)
      }, 10)
      const b = p.setTimeout(() => log('B must not run'), 10)
      p.setTimeout(() => {
        log('C clears D from a nextTick and E from a microtask')
        p.nextTick(() => p.clearTimeout(d))
        Promise.resolve().then(() => p.clearTimeout(e))
      }, 10)
      const d = p.setTimeout(() => log('D must not run'), 10)
      const e = p.setTimeout(() => log('E must not run'), 10)
      p.setTimeout(() => log('F still runs'), 10)
    },
  },
  {
    name: 'clearTimeout by primitive id',
    run: (p, log) => {
      const t = p.setTimeout(() => log('t must not run'), 10)
      const id = +t
      log(`id is ${typeof id}, integer ${Number.isInteger(id)}, positive ${id > 0}, stable ${+t === id}`)
      p.clearTimeout(id)
      const i = p.setInterval(() => log('interval must not run'), 5)
      p.clearInterval(String(+i))
      const u = p.setTimeout(() => log('u runs: an unknown id clears nothing'), 15)
      p.clearTimeout(+u + 1_000_000)
      const w = p.setTimeout(() => log('w must not run: cleared by id from another timer'), 50)
      const wid = +w
      p.setTimeout(() => {
        log('clearing w by id')
        p.clearTimeout(wid)
      }, 20)
      p.clearTimeout(undefined)
      p.clearTimeout(null)
      p.clearTimeout({})
      p.clearTimeout('not an id')
      log('clearing junk is a no-op')
    },
  },
  {
    name: 'a primitive id stops working once its timer has fired',
    run: (p, log) => {
      let n = 0
      const t = p.setTimeout(() => {
        n++
        log(`t fired ${n}`)
      }, 5)
      const id = +t
      p.setTimeout(() => {
        log('clearTimeout(stale id), then refresh')
        p.clearTimeout(id)
        t.refresh()
      }, 20)
      p.setTimeout(() => log(`final count ${n}`), 70)
    },
  },
  {
    name: 'clearTimeout and clearInterval are interchangeable; close()',
    run: (p, log) => {
      const t = p.setTimeout(() => log('timeout must not run'), 5)
      p.clearInterval(t)
      const i = p.setInterval(() => log('interval must not run'), 5)
      p.clearTimeout(i)
      const c = p.setTimeout(() => log('closed timeout must not run'), 5)
      log(`close returns the timer: ${c.close() === c}`)
      const d = p.setTimeout(() => log('disposed timeout must not run'), 5)
      d[Symbol.dispose]()
      p.setTimeout(() => log('survivor'), 5)
    },
  },
  {
    name: 'clearTimeout inside its own callback; clearInterval inside its own callback',
    run: (p, log) => {
      let n = 0
      const t = p.setTimeout(() => {
        log('timeout runs once and clears itself')
        p.clearTimeout(t)
        t.refresh()
      }, 5)
      const i = p.setInterval(() => {
        n++
        log(`interval ${n} clears itself`)
        p.clearInterval(i)
        i.refresh()
      }, 5)
      p.setTimeout(() => log(`later: interval ran ${n} time(s)`), 30)
    },
  },
  {
    name: 'clearImmediate',
    run: (p, log) => {
      const a = p.setImmediate(() => {
        log('a clears c')
        p.clearImmediate(c)
      })
      const b = p.setImmediate(() => log('b must not run'))
      p.clearImmediate(b)
      const c = p.setImmediate(() => log('c must not run'))
      const d = p.setImmediate(() => {
        log('d clears itself and a (both already running or run)')
        p.clearImmediate(d)
        p.clearImmediate(a)
        p.nextTick(() => p.clearImmediate(e))
      })
      const e = p.setImmediate(() => log('e must not run: cleared from a tick after d'))
      p.setImmediate(() => log('f'))
      const g = p.setImmediate(() => log('g must not run: disposed'))
      g[Symbol.dispose]()
      p.clearImmediate(undefined)
      p.clearImmediate(null)
    },
  },

  // ---- intervals and refresh --------------------------------------------------------------------
  {
    name: 'interval counted then cleared',
    run: (p, log) => {
      let n = 0
      const i = p.setInterval(() => {
        n++
        log(`interval ${n}`)
        if (n === 4) {
          p.clearInterval(i)
          log('cleared')
        }
      }, 5)
      p.setTimeout(() => log(`after clear, count ${n}`), 45)
    },
  },
  {
    name: 'interval with delay 0 and with NaN',
    run: (p, log) => {
      let a = 0
      let b = 0
      const ia = p.setInterval(() => {
        a++
        if (a === 5) {
          p.clearInterval(ia)
          log('zero-delay interval ran 5 times')
        }
      }, 0)
      const ib = p.setInterval(() => {
        b++
        if (b === 3) {
          p.clearInterval(ib)
          log('NaN-delay interval ran 3 times')
        }
      }, NaN)
      p.setTimeout(() => log(`at 40: a=${a} b=${b}`), 40)
    },
  },
  {
    name: 'interval refresh',
    run: (p, log) => {
      let n = 0
      const i = p.setInterval(() => {
        n++
        log(`interval ${n}`)
        p.clearInterval(i)
      }, 60)
      p.setTimeout(() => {
        log('refresh interval at 30 (pushes it from 60 to 90)')
        log(`refresh returns the timer: ${i.refresh() === i}`)
      }, 30)
      p.setTimeout(() => log('marker at 75'), 75)
    },
  },
  {
    name: 'interval refreshing itself from its callback',
    run: (p, log) => {
      let n = 0
      const i = p.setInterval(function (this: PlatformTimeout) {
        n++
        log(`interval ${n}`)
        this.refresh()
        if (n === 3) p.clearInterval(i)
      }, 30)
      p.setTimeout(() => log('marker at 45'), 45)
    },
  },
  {
    name: 'refresh of a pending timeout',
    run: (p, log) => {
      const t = p.setTimeout(() => log('t fires (refreshed at 30, so at 90)'), 60)
      p.setTimeout(() => {
        log('refresh t at 30')
        t.refresh()
      }, 30)
      p.setTimeout(() => log('marker at 75'), 75)
    },
  },
  {
    name: 'refresh of an already-fired timeout, and of a cleared one',
    run: (p, log) => {
      let n = 0
      const t = p.setTimeout(() => {
        n++
        log(`t fired ${n}`)
      }, 5)
      const c = p.setTimeout(() => log('cleared timer must not run'), 5)
      p.clearTimeout(c)
      p.setTimeout(() => {
        log(`refresh fired t (hasRef ${t.hasRef()})`)
        t.refresh()
        c.refresh()
      }, 20)
      p.setTimeout(() => log(`final count ${n}`), 45)
    },
  },
  {
    name: 'refresh of a same-instant sibling',
    run: (p, log) => {
      p.setTimeout(() => {
        log('A refreshes B')
        b.refresh()
      }, 30)
      const b = p.setTimeout(() => log('B (pushed from 30 to 60)'), 30)
      p.setTimeout(() => log('C at 45'), 45)
    },
  },
  {
    name: 'timeout refreshing itself from its callback',
    run: (p, log) => {
      let n = 0
      p.setTimeout(function (this: PlatformTimeout) {
        n++
        log(`self-refreshing timeout ${n}`)
        if (n < 3) this.refresh()
      }, 5)
    },
  },

  // ---- immediates -------------------------------------------------------------------------------
  {
    name: 'immediate vs timer scheduled from a timer callback',
    run: (p, log) => {
      p.setTimeout(() => {
        log('T1')
        p.setTimeout(() => log('timeout 0 from T1'), 0)
        p.setImmediate(() => log('immediate from T1'))
        p.nextTick(() => log('tick from T1'))
        Promise.resolve().then(() => log('promise from T1'))
      }, 5)
    },
  },
  {
    name: 'immediates vs timer scheduled from an immediate',
    run: (p, log) => {
      p.setImmediate(() => {
        log('I1')
        p.setTimeout(() => log('timeout 25 from I1'), 25)
        p.setImmediate(() => {
          log('I3 from I1')
          p.setImmediate(() => log('I4 from I3'))
        })
        p.nextTick(() => log('tick from I1'))
        Promise.resolve().then(() => log('promise from I1'))
      })
      p.setImmediate(() => log('I2'))
    },
  },
  {
    name: 'ticks and microtasks run between immediates',
    run: (p, log) => {
      p.setImmediate(() => {
        log('A')
        p.nextTick(() => log('A tick'))
        Promise.resolve().then(() => {
          log('A promise')
          p.nextTick(() => log('A promise tick'))
        })
      })
      p.setImmediate(() => {
        log('B')
        p.queueMicrotask(() => log('B microtask'))
      })
      p.setImmediate(() => log('C'))
    },
  },
  {
    name: 'setImmediate chains interleave',
    run: (p, log) => {
      const chain = (name: string, n: number): void => {
        let i = 0
        const step = (): void => {
          i++
          log(`${name}${i}`)
          if (i < n) p.setImmediate(step)
        }
        p.setImmediate(step)
      }
      chain('A', 4)
      chain('B', 3)
      chain('C', 1)
    },
  },
  {
    name: 'immediate ref/unref/hasRef lifecycle',
    run: (p, log) => {
      const a = p.setImmediate(() => log(`a running, hasRef ${a.hasRef()}`))
      log(`queued: ${a.hasRef()}`)
      a.unref()
      log(`after unref: ${a.hasRef()}`)
      a.ref()
      log(`after ref: ${a.hasRef()}`)
      const b = p.setImmediate(() => log('b must not run'))
      p.clearImmediate(b)
      log(`cleared: ${b.hasRef()}`)
      b.ref()
      log(`ref after clear: ${b.hasRef()}`)
      p.setTimeout(() => {
        log(`after run: ${a.hasRef()}`)
        a.ref()
        log(`ref after run: ${a.hasRef()}`)
      }, 30)
    },
  },
  {
    name: 'timeout ref/unref/hasRef lifecycle',
    run: (p, log) => {
      const t = p.setTimeout(() => log(`t running, hasRef ${t.hasRef()}`), 5)
      log(`pending: ${t.hasRef()}`)
      log(`unref returns the timer: ${t.unref() === t}, hasRef ${t.hasRef()}`)
      log(`ref returns the timer: ${t.ref() === t}, hasRef ${t.hasRef()}`)
      const c = p.setTimeout(() => log('c must not run'), 5)
      p.clearTimeout(c)
      log(`cleared: ${c.hasRef()}`)
      c.unref()
      log(`unref after clear: ${c.hasRef()}`)
      p.setTimeout(() => log(`after run: ${t.hasRef()}`), 30)
    },
  },

  // ---- deep await chains ------------------------------------------------------------------------
  {
    name: 'deep await chain (400 deep) unwinds before a same-instant timer',
    run: async (p, log) => {
      const depth = async (n: number): Promise<number> => {
        if (n === 0) {
          await p.timersPromises.setTimeout(5)
          log('bottom timer fired')
          return 0
        }
        return 1 + (await depth(n - 1))
      }
      const done = depth(400).then((v) => log(`chain unwound: ${v}`))
      p.setTimeout(() => log('same-instant timer created after the chain'), 5)
      p.setTimeout(() => log('timer at 20'), 20)
      await done
      log('awaited the chain')
    },
  },
  {
    name: 'two await loops across timers alternate',
    run: (p, log) => {
      const worker = async (name: string): Promise<void> => {
        for (let round = 1; round <= 12; round++) {
          await p.timersPromises.setTimeout(2)
          for (let hop = 0; hop < 50; hop++) await null
          log(`${name}${round}`)
        }
      }
      void worker('A')
      void worker('B')
    },
  },
  {
    name: 'microtask storm (1000 chained thens) between two timers',
    run: (p, log) => {
      p.setTimeout(() => {
        log('first timer')
        let chain = Promise.resolve(0)
        for (let i = 0; i < 1000; i++) {
          chain = chain.then((n) => {
            if (n === 500) p.nextTick(() => log('tick queued at step 500'))
            return n + 1
          })
        }
        void chain.then((n) => log(`storm done at ${n}`))
        p.nextTick(() => log('tick queued before the storm ran'))
      }, 10)
      p.setTimeout(() => log('second timer'), 10)
    },
  },

  // ---- timer ordering and delay coercion ---------------------------------------------------------
  {
    name: 'timers with equal delays keep creation order',
    run: (p, log) => {
      for (const name of ['a', 'b', 'c', 'd', 'e']) p.setTimeout(() => log(name), 10)
      p.setTimeout(() => log('x (30)'), 30)
      p.setTimeout(() => log('y (20)'), 20)
      p.setTimeout(() => log('z (10, created last)'), 10)
    },
  },
  {
    name: 'delay coercion: 0, -5, NaN, 1.7, "10", undefined, null, "abc"',
    run: (p, log) => {
      p.setTimeout(() => log('"10" (string)'), '10')
      p.setTimeout(() => log('1.7'), 1.7)
      p.setTimeout(() => log('NaN'), NaN)
      p.setTimeout(() => log('-5'), -5)
      p.setTimeout(() => log('0'), 0)
      p.setTimeout(() => log('undefined'))
      p.setTimeout(() => log('null'), null)
      p.setTimeout(() => log('"abc"'), 'abc')
      p.setTimeout(() => log('true'), true)
      p.setTimeout(() => log('10 (number, created after "10")'), 10)
      p.setTimeout(() => log('"25"'), '25')
      p.setTimeout(() => log('10.9 (after "25" in creation)'), 10.9)
    },
  },
  {
    name: 'extra callback arguments',
    run: (p, log) => {
      p.setTimeout((a: string, b: number) => log(`timeout ${a} ${b}`), 30, 'x', 42)
      let n = 0
      const i = p.setInterval(
        (a: string, b: unknown) => {
          n++
          log(`interval ${a} ${String(b)} ${n}`)
          if (n === 2) p.clearInterval(i)
        },
        50,
        'y',
        undefined,
      )
      p.setImmediate((a: string, b: string, c: string, d: string) => log(`immediate ${a}${b}${c}${d}`), 'p', 'q', 'r', 's')
      p.nextTick((...args: unknown[]) => log(`tick ${args.length}: ${args.join(',')}`), 1, 2, 3, 4, 5)
      p.setTimeout((...args: unknown[]) => log(`no extra args: ${args.length}`), 30)
      p.setTimeout((...args: unknown[]) => log(`one undefined arg: ${args.length}`), 30, undefined)
    },
  },
  {
    name: 'this inside timer callbacks is the timer',
    run: (p, log) => {
      const t = p.setTimeout(function (this: PlatformTimeout) {
        log(`timeout: typeof this.refresh ${typeof this.refresh}, this === timer ${this === t}`)
      }, 30)
      const i = p.setInterval(function (this: PlatformTimeout) {
        log(`interval: this === timer ${this === i}`)
        p.clearInterval(this)
      }, 30)
      const im = p.setImmediate(function (this: PlatformImmediate) {
        log(`immediate: typeof this.hasRef ${typeof this.hasRef}, this === immediate ${this === im}`)
      })
      p.nextTick(function (this: unknown) {
        log(`tick: typeof this ${typeof this}`)
      })
      p.queueMicrotask(function (this: unknown) {
        log(`queueMicrotask: typeof this ${typeof this}`)
      })
      Promise.resolve().then(function (this: unknown) {
        log(`then: typeof this ${typeof this}`)
      })
    },
  },
  {
    name: 'invalid arguments throw ERR_INVALID_ARG_TYPE',
    run: async (p, log) => {
      const attempt = (label: string, action: () => unknown): void => {
        try {
          action()
          log(`${label}: no error`)
        } catch (error) {
          const e = error as ErrorLike
          log(`${label}: ${e.name} ${e.code}`)
        }
      }
      attempt('setTimeout(string)', () => p.setTimeout('not a function' as never, 5))
      attempt('setInterval(undefined)', () => p.setInterval(undefined as never, 5))
      attempt('setImmediate(number)', () => p.setImmediate(42 as never))
      attempt('nextTick(null)', () => p.nextTick(null as never))
      const rejected = async (label: string, promise: Promise<unknown>): Promise<void> => {
        try {
          await promise
          log(`${label}: resolved`)
        } catch (error) {
          const e = error as ErrorLike
          log(`${label}: ${e.name} ${e.code}`)
        }
      }
      await rejected('promises.setTimeout options "bad"', p.timersPromises.setTimeout(5, 'v', 'bad'))
      await rejected('promises.setTimeout options null', p.timersPromises.setTimeout(5, 'v', null))
      await rejected('promises.setTimeout options []', p.timersPromises.setTimeout(5, 'v', []))
      await rejected('promises.setTimeout signal "bad"', p.timersPromises.setTimeout(5, 'v', { signal: 'bad' }))
      await rejected('promises.setTimeout ref "yes"', p.timersPromises.setTimeout(5, 'v', { ref: 'yes' }))
      await rejected('promises.setTimeout delay "10"', p.timersPromises.setTimeout('10', 'v'))
      await rejected('promises.setTimeout delay NaN', p.timersPromises.setTimeout(NaN, 'v'))
      await rejected('promises.setImmediate options 7', p.timersPromises.setImmediate('v', 7))
      await rejected('scheduler.wait delay "5"', p.timersPromises.scheduler.wait('5'))
      await rejected('promises.setInterval delay "5"', p.timersPromises.setInterval('5', 'v').next())
      await rejected('promises.setInterval options "x"', p.timersPromises.setInterval(5, 'v', 'x').next())
    },
  },

  // ---- process lifetime -------------------------------------------------------------------------
  {
    name: "unref'd timer does not keep the program alive",
    run: (p, log) => {
      let seen = false
      p.setInterval(() => {
        if (!seen) log('unref interval fires while the program is alive')
        seen = true
      }, 4).unref()
      const u = p.setTimeout(() => log('unref timer must not run'), 70)
      u.unref()
      log(`hasRef after unref: ${u.hasRef()}`)
      p.setTimeout(() => log('ref timer at 25 ran'), 25)
      p.setTimeout(() => log('unref-then-ref timer at 40 ran'), 40).unref().ref()
    },
  },
  {
    name: "unref'd timers/promises timer does not keep the program alive",
    run: (p, log) => {
      p.timersPromises.setTimeout(40, 'late', { ref: false }).then((v) => log(`${v} must not resolve`))
      p.setTimeout(() => log('ref timer at 10 ran'), 10)
    },
  },

  // ---- timers/promises --------------------------------------------------------------------------
  {
    name: 'timers/promises setTimeout with a value',
    run: async (p, log) => {
      p.setTimeout(() => log('callback timer at 10, created after the promise timer'), 10)
      const pending = p.timersPromises.setTimeout(10, 'value')
      const v = await pending
      log(`resolved ${v}`)
      const u = await p.timersPromises.setTimeout(5)
      log(`no value resolves undefined: ${u === undefined}`)
      const o = { k: 1 }
      log(`objects pass through: ${(await p.timersPromises.setTimeout(1, o)) === o}`)
    },
  },
  {
    name: 'timers/promises abort before start',
    run: async (p, log) => {
      const ac = new AbortController()
      ac.abort()
      const report = (label: string, error: unknown): void => {
        const e = error as ErrorLike
        log(`${label}: ${e.name} ${e.code} "${e.message}" cause is reason: ${e.cause === ac.signal.reason}`)
      }
      try {
        await p.timersPromises.setTimeout(10, 'x', { signal: ac.signal })
        log('setTimeout resolved')
      } catch (error) {
        report('setTimeout', error)
      }
      try {
        await p.timersPromises.setImmediate('x', { signal: ac.signal })
        log('setImmediate resolved')
      } catch (error) {
        report('setImmediate', error)
      }
      try {
        await p.timersPromises.scheduler.wait(10, { signal: ac.signal })
        log('scheduler.wait resolved')
      } catch (error) {
        report('scheduler.wait', error)
      }
      try {
        for await (const v of p.timersPromises.setInterval(5, 'v', { signal: ac.signal })) log(`interval ${v}`)
      } catch (error) {
        report('setInterval', error)
      }
      const custom = new AbortController()
      custom.abort('custom reason')
      try {
        await p.timersPromises.setTimeout(10, 'x', { signal: custom.signal })
      } catch (error) {
        log(`custom reason as cause: ${String((error as ErrorLike).cause)}`)
      }
    },
  },
  {
    name: 'timers/promises abort during the wait',
    run: async (p, log) => {
      const ac = new AbortController()
      p.setTimeout(() => {
        log('aborting at 25')
        ac.abort()
      }, 25)
      const results = await Promise.allSettled([
        p.timersPromises.setTimeout(50, 'late', { signal: ac.signal }),
        p.timersPromises.scheduler.wait(50, { signal: ac.signal }),
        p.timersPromises.setTimeout(5, 'early', { signal: ac.signal }),
      ])
      for (const r of results) {
        if (r.status === 'fulfilled') log(`fulfilled ${String(r.value)}`)
        else log(`rejected ${(r.reason as ErrorLike).name} ${(r.reason as ErrorLike).code}`)
      }
      const im = new AbortController()
      const pending = p.timersPromises.setImmediate('x', { signal: im.signal })
      im.abort()
      try {
        await pending
        log('immediate resolved')
      } catch (error) {
        log(`immediate aborted synchronously: ${(error as ErrorLike).name}`)
      }
    },
  },
  {
    name: 'timers/promises abort rejection against a microtask chain',
    run: (p, log) => {
      const ac = new AbortController()
      p.timersPromises
        .setTimeout(30, 'x', { signal: ac.signal })
        .then(() => log('timeout promise must not resolve'))
        .catch(() => log('timeout promise rejected'))
      const bc = new AbortController()
      p.timersPromises.setImmediate('y', { signal: bc.signal }).then(
        () => log('immediate promise must not resolve'),
        () => log('immediate promise rejected'),
      )
      bc.abort()
      Promise.resolve()
        .then(() => log('sync hop 1'))
        .then(() => log('sync hop 2'))
        .then(() => log('sync hop 3'))
        .then(() => log('sync hop 4'))
        .then(() => log('sync hop 5'))
        .then(() => log('sync hop 6'))
      p.setTimeout(() => {
        ac.abort()
        Promise.resolve()
          .then(() => log('hop 1'))
          .then(() => log('hop 2'))
          .then(() => log('hop 3'))
          .then(() => log('hop 4'))
          .then(() => log('hop 5'))
          .then(() => log('hop 6'))
      }, 10)
    },
  },
  {
    name: 'timers/promises resolution with a signal against a microtask chain',
    run: async (p, log) => {
      const ac = new AbortController()
      const withSignal = p.timersPromises.setTimeout(10, 'with signal', { signal: ac.signal })
      const withoutSignal = p.timersPromises.setTimeout(10, 'without signal')
      const chain = (label: string): void => {
        Promise.resolve()
          .then(() => log(`${label} hop 1`))
          .then(() => log(`${label} hop 2`))
          .then(() => log(`${label} hop 3`))
          .then(() => log(`${label} hop 4`))
      }
      void withSignal.then((v) => log(v))
      void withoutSignal.then((v) => log(v))
      const first = await Promise.race([withSignal, withoutSignal])
      log(`race winner: ${first}`)
      chain('after race')
      // Both timers are due at 10, but real Node may run them in two loop iterations
      // (their start times can straddle a millisecond): wait for both before the immediates.
      await Promise.all([withSignal, withoutSignal])
      const imm = new AbortController()
      const a = p.timersPromises.setImmediate('immediate with signal', { signal: imm.signal })
      const b = p.timersPromises.setImmediate('immediate without signal')
      log(`immediate race winner: ${await Promise.race([a, b])}`)
    },
  },
  {
    name: 'timers/promises setImmediate',
    run: async (p, log) => {
      p.setImmediate(() => log('callback immediate 1'))
      const pending = p.timersPromises.setImmediate('promise immediate').then((v) => log(v))
      p.setImmediate(() => log('callback immediate 2'))
      await pending
      log(`no value resolves undefined: ${(await p.timersPromises.setImmediate()) === undefined}`)
    },
  },
  {
    name: 'timers/promises setInterval: three values, then break',
    run: async (p, log) => {
      let n = 0
      for await (const v of p.timersPromises.setInterval(5, 'tick')) {
        n++
        log(`${v} ${n}`)
        if (n === 3) break
      }
      log('after break: the interval is cleared, nothing keeps the program alive')
      const iterator = p.timersPromises.setInterval(5, 'manual')
      const first = await iterator.next()
      log(`manual next: ${first.value} done ${first.done}`)
      const ret = await iterator.return?.(undefined)
      log(`return: done ${ret?.done}`)
      const after = await iterator.next()
      log(`next after return: done ${after.done}`)
    },
  },
  {
    name: 'timers/promises setInterval aborted while waiting',
    run: async (p, log) => {
      const ac = new AbortController()
      p.setTimeout(() => {
        log('aborting at 45')
        ac.abort()
        Promise.resolve()
          .then(() => log('hop 1'))
          .then(() => log('hop 2'))
          .then(() => log('hop 3'))
          .then(() => log('hop 4'))
          .then(() => log('hop 5'))
      }, 45)
      let n = 0
      try {
        for await (const v of p.timersPromises.setInterval(30, 'v', { signal: ac.signal })) {
          n++
          log(`value ${n}: ${v}`)
        }
      } catch (error) {
        log(`loop ended: ${(error as ErrorLike).name} after ${n} value(s)`)
      }
    },
  },
  {
    name: 'timers/promises setInterval aborted while the consumer is busy',
    run: async (p, log) => {
      const ac = new AbortController()
      p.setTimeout(() => {
        log('aborting at 45')
        ac.abort()
      }, 45)
      let n = 0
      try {
        for await (const v of p.timersPromises.setInterval(30, 'v', { signal: ac.signal })) {
          n++
          log(`value ${n}: ${v}`)
          // Busy until 90: the interval would tick at 60 and 90 if the abort did not stop it.
          await p.timersPromises.setTimeout(60)
          log(`consumer done with value ${n}`)
        }
      } catch (error) {
        log(`loop ended: ${(error as ErrorLike).name} after ${n} value(s)`)
      }
    },
  },
  {
    name: 'scheduler.wait and scheduler.yield',
    run: async (p, log) => {
      log('start')
      await p.timersPromises.scheduler.wait(10)
      log('after wait(10)')
      p.setImmediate(() => log('callback immediate queued before yield'))
      await p.timersPromises.scheduler.yield()
      log('after yield')
      p.setTimeout(() => log('callback timer at 5, created before wait(5)'), 5)
      await p.timersPromises.scheduler.wait(5)
      log('after wait(5)')
    },
  },

  // ---- promise patterns over timers -------------------------------------------------------------
  {
    name: 'errors thrown in then-callbacks caught by a later catch',
    run: async (p, log) => {
      Promise.resolve(1)
        .then((v) => {
          log(`then ${v}`)
          throw new Error('boom')
        })
        .then(() => log('skipped'))
        .catch((e: Error) => {
          log(`caught ${e.message}`)
          return 'recovered'
        })
        .then((v) => log(String(v)))
        .finally(() => log('finally'))
      Promise.reject(new TypeError('rejected')).then(null, (e: Error) => log(`onRejected ${e.name}`))
      const asyncThrow = async (): Promise<never> => {
        await null
        throw new RangeError('async')
      }
      asyncThrow().catch((e: Error) => log(`caught async ${e.name}`))
      await p.timersPromises
        .setTimeout(5)
        .then(() => {
          throw new Error('thrown after a timer')
        })
        .then(() => log('skipped too'))
        .catch((e: Error) => log(`caught: ${e.message}`))
      try {
        await new Promise((_resolve, reject) => p.setTimeout(() => reject(new SyntaxError('from timer')), 5))
      } catch (error) {
        log(`try/catch around await: ${(error as Error).name}`)
      }
    },
  },
  {
    name: 'Promise.all, race, allSettled and any over timers',
    run: async (p, log) => {
      const t = (ms: number, v: string): Promise<string> => p.timersPromises.setTimeout(ms, v)
      const logged = (ms: number, v: string): Promise<string> =>
        t(ms, v).then((x) => {
          log(`timer ${v} settled`)
          return x
        })
      const all = await Promise.all([logged(50, 'a'), logged(10, 'b'), logged(30, 'c')])
      log(`all: ${all.join(',')}`)
      const race = await Promise.race([t(30, 'slow'), t(10, 'fast')])
      log(`race: ${race}`)
      const settled = await Promise.allSettled([
        t(5, 'ok'),
        Promise.reject(new Error('no')),
        new Promise((_resolve, reject) => p.setTimeout(() => reject(new Error('late no')), 10)),
      ])
      log(
        `allSettled: ${settled
          .map((s) => (s.status === 'fulfilled' ? `fulfilled ${String(s.value)}` : `rejected ${(s.reason as Error).message}`))
          .join('; ')}`,
      )
      const any = await Promise.any([Promise.reject(new Error('x')), t(15, 'any winner'), t(35, 'any loser')])
      log(`any: ${any}`)
      try {
        await Promise.all([t(5, 'fine'), p.timersPromises.setTimeout(10).then(() => Promise.reject(new Error('all fails')))])
      } catch (error) {
        log(`all rejected: ${(error as Error).message}`)
      }
    },
  },
  {
    name: 'async generators over timers',
    run: async (p, log) => {
      const gen = async function* (label: string, n: number): AsyncGenerator<string, string> {
        try {
          for (let i = 1; i <= n; i++) {
            await p.timersPromises.setTimeout(5)
            yield `${label}${i}`
          }
          return `${label} done`
        } finally {
          log(`${label} cleanup`)
        }
      }
      for await (const v of gen('a', 3)) log(v)
      const it = gen('b', 5)
      log(`b first: ${(await it.next()).value}`)
      const ret = await it.return('early')
      log(`b return: ${ret.value} done ${ret.done}`)
      const outer = async function* (): AsyncGenerator<string> {
        yield 'start'
        const inner = yield* gen('c', 2)
        yield `inner returned ${inner}`
        yield 'end'
      }
      for await (const v of outer()) log(v)
      p.nextTick(() => log('tick before the last generator'))
      const ticker = async function* (): AsyncGenerator<number> {
        for (let i = 0; i < 3; i++) {
          await p.timersPromises.setImmediate()
          yield i
        }
      }
      const seen: number[] = []
      for await (const v of ticker()) seen.push(v)
      log(`immediate-driven generator: ${seen.join(',')}`)
    },
  },
  {
    name: 'timers firing in due order across delay lists',
    run: (p, log) => {
      p.setTimeout(() => log('60'), 60)
      p.setTimeout(() => log('20'), 20)
      p.setTimeout(() => log('40'), 40)
      p.setTimeout(() => {
        log('80 schedules +30')
        p.setTimeout(() => log('110'), 30)
      }, 80)
      p.setTimeout(() => log('95'), 95)
      p.setImmediate(() => log('immediate first'))
    },
  },
]
