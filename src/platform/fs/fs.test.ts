import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { run, type RunOptions } from '../../run/run.js'
import type { Simulation } from '../../sim/simulation.js'
import fs from '../modules/fs.js'
import fsp from '../modules/fs_promises.js'
import { UnsupportedInSimulation } from '../unsupported.js'
import { BuggifyRate } from '../../world/buggify.js'
import { FIRST_FD } from './fd_table.js'

/** Runs `body` in a simulation (replayed, which must be identical) and returns the first attempt's value. */
async function inSim<T>(body: (sim: Simulation) => Promise<T> | T, options: Partial<RunOptions> = {}): Promise<{ value: T; trace: string }> {
  let first: { value: T } | null = null
  const report = await run(async (sim) => {
    const value = await body(sim)
    first ??= { value }
  }, { seed: 3, ...options })
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return { value: (first as unknown as { value: T }).value, trace: report.traceText() }
}

function caught(call: () => unknown): Record<string, unknown> {
  try {
    call()
  } catch (error) {
    const e = error as Error & Record<string, unknown>
    return { code: e.code, syscall: e.syscall, path: e.path, message: e.message }
  }
  throw new Error('expected the call to throw')
}

async function rejected(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    const e = error as Error & Record<string, unknown>
    return { code: e.code, syscall: e.syscall, path: e.path, message: e.message }
  }
  throw new Error('expected the promise to reject')
}

describe('timing: async forms complete after the disk latency, sync forms at once', () => {
  test('readFile takes open, fstat and read steps of min_latency_ns each; readFileSync takes none', async () => {
    const { value } = await inSim(async (sim) => {
      fs.writeFileSync('/f', 'x'.repeat(10))
      const t0 = sim.world.clock.monotonicNs()
      fs.readFileSync('/f')
      const t1 = sim.world.clock.monotonicNs()
      await fsp.readFile('/f')
      const t2 = sim.world.clock.monotonicNs()
      await new Promise((resolve) => fs.stat('/f', resolve))
      const t3 = sim.world.clock.monotonicNs()
      return { sync: t1 - t0, readFile: t2 - t1, stat: t3 - t2 }
    }, { disk: { min_latency_ns: 5_000_000 } })
    expect(value).toEqual({ sync: 0n, readFile: 15_000_000n, stat: 5_000_000n })
  })

  test('other code sees a writeFile half done: truncated by its open, before its write lands', async () => {
    const { value } = await inSim(async (sim) => {
      fs.writeFileSync('/f', 'old content')
      const writing = fsp.writeFile('/f', 'new content')
      // Between the open (O_TRUNC, at 1 ms) and the write (at 2 ms).
      await new Promise<void>((resolve) => sim.loop.after(1_500_000, 'probe', resolve))
      const during = fs.readFileSync('/f', 'utf8')
      await writing
      return { during, after: fs.readFileSync('/f', 'utf8') }
    }, { disk: { min_latency_ns: 1_000_000 } })
    expect(value).toEqual({ during: '', after: 'new content' })
  })

  test('descriptors start at FIRST_FD, are reused lowest-first, and close gives EBADF twice', async () => {
    const { value } = await inSim(() => {
      const a = fs.openSync('/a', 'w')
      const b = fs.openSync('/b', 'w')
      fs.closeSync(a)
      const c = fs.openSync('/c', 'w')
      return { a, b, c, twice: caught(() => fs.closeSync(b) ?? fs.closeSync(b)) }
    })
    expect(value).toEqual({ a: FIRST_FD, b: FIRST_FD + 1, c: FIRST_FD, twice: { code: 'EBADF', syscall: 'close', path: undefined, message: 'EBADF: bad file descriptor, close' } })
  })

  test('an unlinked file stays readable through its open descriptor', async () => {
    const { value } = await inSim(() => {
      fs.writeFileSync('/f', 'still here')
      const fd = fs.openSync('/f', 'r')
      fs.unlinkSync('/f')
      const buffer = Buffer.alloc(10)
      const read = fs.readSync(fd, buffer, 0, 10, 0)
      fs.closeSync(fd)
      return { exists: fs.existsSync('/f'), text: buffer.toString('utf8', 0, read) }
    })
    expect(value).toEqual({ exists: false, text: 'still here' })
  })
})

describe('a crashed disk', () => {
  test('every form fails with EIO naming the syscall and path; after restart the synced data is back', async () => {
    const { value } = await inSim(async (sim) => {
      fs.mkdirSync('/data')
      fs.writeFileSync('/data/synced', 'durable')
      const fd = fs.openSync('/data/synced', 'r+')
      fs.fsyncSync(fd)
      const dir = fs.openSync('/data', 'r')
      fs.fsyncSync(dir)
      fs.closeSync(dir)
      fs.writeFileSync('/data/unsynced', 'lost')
      sim.control.disk.setFaults({ crash_lost_write_rate: BuggifyRate.always(), crash_lost_dir_entry_rate: BuggifyRate.always() })
      sim.control.disk.crash()
      const out = {
        sync: caught(() => fs.readFileSync('/data/synced')),
        promise: await rejected(fsp.stat('/data/synced')),
        callback: await new Promise((resolve) => fs.write(fd, 'x', (error) => resolve({ code: (error as NodeJS.ErrnoException).code, syscall: (error as NodeJS.ErrnoException).syscall }))),
        mkdir: caught(() => fs.mkdirSync('/data/new')),
        after: null as unknown,
      }
      sim.control.disk.restart()
      out.after = { synced: fs.readFileSync('/data/synced', 'utf8'), unsynced: fs.existsSync('/data/unsynced'), old_fd: caught(() => fs.fstatSync(fd)) }
      return out
    })
    expect(value).toEqual({
      sync: { code: 'EIO', syscall: 'open', path: '/data/synced', message: "EIO: i/o error, open '/data/synced'" },
      promise: { code: 'EIO', syscall: 'stat', path: '/data/synced', message: "EIO: i/o error, stat '/data/synced'" },
      // A descriptor from before the crash died with the simulated process.
      callback: { code: 'EBADF', syscall: 'write' },
      mkdir: { code: 'EIO', syscall: 'mkdir', path: '/data/new', message: "EIO: i/o error, mkdir '/data/new'" },
      after: { synced: 'durable', unsynced: false, old_fd: { code: 'EBADF', syscall: 'fstat', message: 'EBADF: bad file descriptor, fstat' } },
    })
  })
})

describe('paths', () => {
  test('relative paths resolve against the simulated cwd "/", and errors report them as given', async () => {
    const { value } = await inSim(() => {
      fs.mkdirSync('data')
      fs.writeFileSync('data/x', '1')
      return { listing: fs.readdirSync('/'), read: fs.readFileSync('/data/x', 'utf8'), error: caught(() => fs.readFileSync('data/missing')) }
    })
    expect(value.listing).toEqual(['data'])
    expect(value.read).toBe('1')
    expect(value.error).toEqual({ code: 'ENOENT', syscall: 'open', path: 'data/missing', message: "ENOENT: no such file or directory, open 'data/missing'" })
  })

  test('.. cannot leave the simulated root, and file: URLs and Buffers name the same files', async () => {
    const { value } = await inSim(() => {
      fs.writeFileSync('/top', 'root file')
      return [fs.readFileSync('../../../top', 'utf8'), fs.readFileSync(new URL('file:///top'), 'utf8'), fs.readFileSync(Buffer.from('/a/../top'), 'utf8'), fs.readdirSync('/..')]
    })
    expect(value).toEqual(['root file', 'root file', 'root file', ['top']])
  })
})

describe('streams over the simulated disk', () => {
  test('WriteStream backpressure: write returns false above highWaterMark, then drain; events in Node order', async () => {
    const { value } = await inSim(async () => {
      const events: string[] = []
      const writer = fs.createWriteStream('/log', { highWaterMark: 16 })
      for (const event of ['open', 'ready', 'drain', 'finish', 'close'] as const) writer.on(event, () => events.push(event))
      const accepted = [writer.write('0123456789'), writer.write('0123456789')]
      await new Promise((resolve) => writer.once('drain', () => resolve(undefined)))
      writer.end('end')
      await new Promise((resolve) => writer.once('close', () => resolve(undefined)))
      return { accepted, events, content: fs.readFileSync('/log', 'utf8'), written: writer.bytesWritten }
    })
    expect(value).toEqual({ accepted: [true, false], events: ['open', 'ready', 'drain', 'finish', 'close'], content: '01234567890123456789end', written: 23 })
  })

  test('ReadStream honours start/end and highWaterMark, and ends then closes', async () => {
    const { value } = await inSim(async (sim) => {
      fs.writeFileSync('/data', 'abcdefghijklmnopqrstuvwxyz')
      const events: string[] = []
      const reader = fs.createReadStream('/data', { start: 2, end: 11, highWaterMark: 4 })
      const chunks: string[] = []
      const t0 = sim.world.clock.monotonicNs()
      reader.on('data', (chunk) => chunks.push(String(chunk)))
      for (const event of ['open', 'end', 'close'] as const) reader.on(event, () => events.push(event))
      await new Promise((resolve) => reader.once('close', () => resolve(undefined)))
      return { chunks, events, elapsed_positive: sim.world.clock.monotonicNs() > t0 }
    })
    expect(value).toEqual({ chunks: ['cdef', 'ghij', 'kl'], events: ['open', 'end', 'close'], elapsed_positive: true })
  })

  test('FileHandle streams and readLines', async () => {
    const { value } = await inSim(async () => {
      const handle = await fsp.open('/lines', 'w+')
      await handle.writeFile('one\ntwo\nthree\n')
      const lines: string[] = []
      const reading = await fsp.open('/lines')
      for await (const line of reading.readLines()) lines.push(line)
      await handle.close()
      return { lines, reading_fd: reading.fd }
    })
    expect(value).toEqual({ lines: ['one', 'two', 'three'], reading_fd: -1 })
  })
})

describe('fail closed, and the real fs outside a simulation', () => {
  test('APIs the disk does not model fail closed naming the API and the caller', async () => {
    const { value, trace } = await inSim(() => {
      const errors: UnsupportedInSimulation[] = []
      for (const call of [() => fs.watch('/x'), () => fs.linkSync('/a', '/b'), () => fsp.readlink('/x'), () => fs.statfsSync('/')]) {
        try {
          call()
        } catch (error) {
          if (error instanceof UnsupportedInSimulation) errors.push(error)
        }
      }
      return errors.map((error) => ({ api: error.api, caller: error.caller?.includes('fs.test.ts') }))
    })
    expect(value).toEqual([
      { api: 'fs.watch', caller: true },
      { api: 'fs.linkSync', caller: true },
      { api: 'fs.promises.readlink', caller: true },
      { api: 'fs.statfsSync', caller: true },
    ])
    expect(trace).toContain('platform.unsupported api=fs.watch')
  })

  test('outside a simulation the wrappers are the real fs; inside, the simulated disk starts empty', async () => {
    const here = new URL(import.meta.url)
    expect(fs.readFileSync(here, 'utf8')).toBe(readFileSync(here, 'utf8'))
    const { value } = await inSim(() => ({ exists: fs.existsSync(here), root: fs.readdirSync('/') }))
    expect(value).toEqual({ exists: false, root: [] })
  })

  test('fs.promises is the fs/promises wrapper, inside and outside', async () => {
    expect(fs.promises).toBe(fsp)
    const { value } = await inSim(() => fs.promises === fsp)
    expect(value).toBe(true)
  })
})
