import type { Dirent } from 'node:fs'
import type { Simulation } from '../../sim/simulation.js'
import { parseReaddir, readdirResult } from './api_path.js'
import { callbackForm, promiseForm, requireCallback, syncForm, type Callback, type Simulated } from './forms.js'
import { typeErrorWithCode } from './node_error.js'
import { readdirOp } from './ops_path.js'

/**
 * `fs.Dir` from `opendir`: the directory's entries as of the open (sorted, as
 * the simulated disk lists them), handed out one by one by `read()` (a
 * promise, or a callback) and `readSync()`, or by `for await`. Each async
 * read completes after one metadata latency. After `close()` every method
 * throws Node's ERR_DIR_CLOSED.
 */

function dirClosed(): Error {
  const error = new Error('Directory handle was closed') as Error & { code: string }
  error.code = 'ERR_DIR_CLOSED'
  return error
}

export class SimDir {
  readonly #sim: Simulation
  readonly #entries: Dirent[]
  #next = 0
  #closed = false

  constructor(sim: Simulation, readonly path: string, entries: Dirent[]) {
    this.#sim = sim
    this.#entries = entries
  }

  #take(): Dirent | null {
    if (this.#next >= this.#entries.length) return null
    return this.#entries[this.#next++] as Dirent
  }

  readSync(): Dirent | null {
    if (this.#closed) throw dirClosed()
    return this.#take()
  }

  read(callback?: (error: unknown, entry?: Dirent | null) => void): Promise<Dirent | null> | undefined {
    if (callback === undefined) {
      if (this.#closed) return Promise.reject(dirClosed())
      return promiseForm(this.#sim, 'fs.dir.read', () => () => this.#entryStep())
    }
    requireCallback(callback)
    if (this.#closed) throw dirClosed()
    callbackForm(this.#sim, 'fs.dir.read', () => this.#entryStep(), callback as Callback, (entry) => [entry])
    return undefined
  }

  *#entryStep(): Generator<never, Dirent | null, unknown> {
    return this.#take()
  }

  closeSync(): void {
    if (this.#closed) throw dirClosed()
    this.#closed = true
  }

  close(callback?: (error: unknown) => void): Promise<void> | undefined {
    if (callback === undefined) {
      if (this.#closed) return Promise.reject(dirClosed())
      this.#closed = true
      return promiseForm(this.#sim, 'fs.dir.close', () => function* () {})
    }
    requireCallback(callback)
    if (this.#closed) throw dirClosed()
    this.#closed = true
    callbackForm(this.#sim, 'fs.dir.close', function* () {}, callback)
    return undefined
  }

  async *entries(): AsyncGenerator<Dirent> {
    try {
      for (;;) {
        const entry = await (this.read() as Promise<Dirent | null>)
        if (entry === null) break
        yield entry
      }
    } finally {
      if (!this.#closed) await this.close()
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Dirent> {
    return this.entries()
  }
}

function parseOpendir(path: unknown, options: unknown): ReturnType<typeof parseReaddir> {
  if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'string') {
    throw typeErrorWithCode('ERR_INVALID_ARG_TYPE', `The "options" argument must be of type object. Received ${typeof options}`)
  }
  const request = parseReaddir(path, options)
  return { ...request, with_file_types: true }
}

function openDir(sim: Simulation, request: ReturnType<typeof parseReaddir>) {
  return (entries: Parameters<typeof readdirResult>[1]) => new SimDir(sim, request.path.given, readdirResult(request, entries) as Dirent[])
}

export const dirFunctions: Record<string, Simulated> = {
  opendir(sim, args) {
    let [path, options, callback] = args
    if (typeof options === 'function') {
      callback = options
      options = undefined
    }
    const cb = requireCallback(callback)
    const request = parseOpendir(path, options)
    callbackForm(sim, 'fs.opendir', (c) => readdirOp(c, request.path, false, 'opendir'), cb, (entries) => [openDir(sim, request)(entries)])
  },
  opendirSync(sim, args) {
    const request = parseOpendir(args[0], args[1])
    return openDir(sim, request)(syncForm(sim, (c) => readdirOp(c, request.path, false, 'opendir')))
  },
}

export function opendirPromise(sim: Simulation, path: unknown, options: unknown): Promise<SimDir> {
  let request: ReturnType<typeof parseReaddir>
  return promiseForm(sim, 'fs.opendir', () => {
    request = parseOpendir(path, options)
    return (c) => readdirOp(c, request.path, false, 'opendir')
  }).then((entries) => openDir(sim, request)(entries))
}
