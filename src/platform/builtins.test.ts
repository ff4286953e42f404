import * as nodeCrypto from 'node:crypto'
import * as nodeFs from 'node:fs'
import * as nodeNet from 'node:net'
import * as nodeOs from 'node:os'
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { run } from '../run/run.js'
import type { Simulation } from '../sim/simulation.js'
import { DEFAULT_MONOTONIC_ORIGIN_NS } from '../world/clock.js'
import { World } from '../world/world.js'
import * as child_process from './modules/child_process.js'
import * as cluster from './modules/cluster.js'
import * as crypto from './modules/crypto.js'
import * as dns from './modules/dns.js'
import * as fs from './modules/fs.js'
import * as fs_promises from './modules/fs_promises.js'
import * as http from './modules/http.js'
import * as net from './modules/net.js'
import * as os from './modules/os.js'
import * as timers from './modules/timers.js'
import * as timers_promises from './modules/timers_promises.js'
import * as worker_threads from './modules/worker_threads.js'
import { UnsupportedInSimulation } from './unsupported.js'

const THIS_FILE = fileURLToPath(import.meta.url)
const SOURCE_LINES = readFileSync(THIS_FILE, 'utf8').split('\n')

/** `file:line:column` of the call marked `// @call <name>` in this file (the column of `<name>`). */
function markedCall(name: string): string {
  const index = SOURCE_LINES.findIndex((line) => line.includes(`// @call ${name}`))
  const line = SOURCE_LINES[index] as string
  return `${THIS_FILE}:${index + 1}:${line.indexOf(name) + 1}`
}

function outcome(call: () => unknown): unknown {
  try {
    const value = call()
    return { returned: typeof value }
  } catch (error) {
    const e = error as Error & { code?: unknown }
    return { threw: e.constructor.name, name: e.name, message: e.message, code: e.code }
  }
}

/** Runs `body` in a simulation (replaying it) and returns the first attempt's value; rethrows a run error. */
async function inSim<T>(body: (sim: Simulation) => T | Promise<T>, seed = 5): Promise<{ value: T; trace: string }> {
  let first: { value: T } | null = null
  const report = await run(async (sim) => {
    const value = await body(sim)
    first ??= { value }
  }, { seed })
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return { value: (first as unknown as { value: T }).value, trace: report.traceText() }
}

function thrown(call: () => unknown): UnsupportedInSimulation {
  try {
    call()
  } catch (error) {
    if (error instanceof UnsupportedInSimulation) return error
    throw error
  }
  throw new Error('expected the call to fail closed')
}

describe('fail-closed modules inside a simulation', () => {
  test('an fs API the simulated disk does not model names the API, the caller\'s line and what to do', async () => {
    const { value, trace } = await inSim(() => {
      const error = thrown(() => fs.symlinkSync('/a', '/b')) // @call symlinkSync
      return { message: error.message, api: error.api, caller: error.caller, stack: error.stack ?? '' }
    })
    expect(value.api).toBe('fs.symlinkSync')
    expect(value.caller).toBe(markedCall('symlinkSync'))
    expect(value.message).toBe(
      `fs.symlinkSync is not available inside a simulation (called at ${relative(process.cwd(), markedCall('symlinkSync'))}): ` +
        'this fs API is not simulated: the simulated disk holds regular files and directories only ' +
        '(no symbolic or hard links, watchers, ownership, cp or statfs), and the real disk would make the run unrepeatable. ' +
        'Use the simulated calls instead (open, read, write, fsync, stat, readdir, mkdir, rename, rm, copyFile, streams, fs.promises and FileHandle), ' +
        'or do this outside the simulation.',
    )
    expect(value.stack.startsWith(`UnsupportedInSimulation: ${value.message}\n    at `)).toBe(true)
    expect(trace).toContain('platform.unsupported api=fs.symlinkSync')
  })

  test('every module names its API and reason', async () => {
    const { value } = await inSim(() => [
      thrown(() => fs.promises.symlink('/x', '/y')),
      thrown(() => fs_promises.watch('/x')),
      thrown(() => fs.default.watchFile('/x', () => {})),
      thrown(() => fs.cpSync('/x', '/y')),
      thrown(() => fs.readlinkSync('/x')),
      thrown(() => net.createServer()),
      thrown(() => new net.Socket()),
      thrown(() => http.request('http://localhost/')),
      thrown(() => dns.lookup('localhost', () => {})),
      thrown(() => dns.promises.resolve4('localhost')),
      thrown(() => child_process.spawn('ls')),
      thrown(() => new worker_threads.Worker('x')),
      thrown(() => new worker_threads.MessageChannel()),
      thrown(() => cluster.fork()),
      thrown(() => cluster.default.on('exit', () => {})),
      thrown(() => crypto.generateKeyPairSync('ed25519')),
      thrown(() => crypto.subtle.digest('SHA-256', new Uint8Array(1))),
      thrown(() => crypto.createECDH('prime256v1').generateKeys()),
      thrown(() => crypto.createDiffieHellman(512)),
      thrown(() => os.setPriority(0)),
      thrown(() => (timers.enroll as (item: object, ms: number) => void)({}, 1)),
    ].map((error) => [error.api, error.reason]))
    expect(value).toEqual([
      ['fs.promises.symlink', 'disk'],
      ['fs.promises.watch', 'disk'],
      ['fs.watchFile', 'disk'],
      ['fs.cpSync', 'disk'],
      ['fs.readlinkSync', 'disk'],
      ['net.createServer', 'network'],
      ['net.Socket', 'network'],
      ['http.request', 'network'],
      ['dns.lookup', 'network'],
      ['dns.promises.resolve4', 'dns'],
      ['child_process.spawn', 'threads'],
      ['worker_threads.Worker', 'threads'],
      ['worker_threads.MessageChannel', 'threads'],
      ['cluster.fork', 'threads'],
      ['cluster.on', 'threads'],
      ['crypto.generateKeyPairSync', 'keygen'],
      ['crypto.subtle.digest', 'subtle'],
      ['crypto.createECDH(...).generateKeys', 'keygen'],
      ['crypto.createDiffieHellman', 'keygen'],
      ['os.setPriority', 'host'],
      ['timers.enroll', 'legacy_timers'],
    ])
  })

  test('the threads message says a simulation is single-threaded', async () => {
    const { value } = await inSim(() => thrown(() => child_process.execSync('true')).message)
    expect(value).toMatch(/^child_process\.execSync is not available inside a simulation \(called at src\/platform\/builtins\.test\.ts:\d+:\d+\): a simulation is single-threaded/)
  })

  test('constants and other non-function exports pass through', async () => {
    const { value } = await inSim(() => ({
      fs_constants: fs.constants === nodeFs.constants && fs.default.constants.O_RDONLY === nodeFs.constants.O_RDONLY,
      f_ok: fs.F_OK,
      status: http.STATUS_CODES[404],
      methods: http.METHODS.includes('GET'),
      main: worker_threads.isMainThread,
      dns_code: dns.NOTFOUND,
      os_constants: os.constants === nodeOs.constants,
      eol: os.EOL,
    }))
    expect(value).toEqual({ fs_constants: true, f_ok: (nodeFs as unknown as { F_OK: number }).F_OK, status: 'Not Found', methods: true, main: true, dns_code: 'ENOTFOUND', os_constants: true, eol: nodeOs.EOL })
  })
})

describe('fail-closed modules outside a simulation: the real module', () => {
  test('fs reads and fails exactly like node:fs', async () => {
    expect(fs.readFileSync(THIS_FILE, 'utf8')).toBe(nodeFs.readFileSync(THIS_FILE, 'utf8'))
    expect(await fs.promises.readFile(THIS_FILE, 'utf8')).toBe(nodeFs.readFileSync(THIS_FILE, 'utf8'))
    expect(outcome(() => fs.readFileSync('/no/such/file'))).toEqual(outcome(() => nodeFs.readFileSync('/no/such/file')))
    expect(outcome(() => fs.readFileSync(42 as never, { flag: 'nope' }))).toEqual(outcome(() => nodeFs.readFileSync(42 as never, { flag: 'nope' })))
    expect(fs.statSync(THIS_FILE).isFile()).toBe(true)
    expect(fs.statSync(THIS_FILE)).toBeInstanceOf(fs.Stats)
    expect(fs.statSync(THIS_FILE)).toBeInstanceOf(nodeFs.Stats)
    expect(fs.realpathSync.native(THIS_FILE)).toBe(nodeFs.realpathSync.native(THIS_FILE))
    expect(fs.existsSync.name).toBe('existsSync')
    expect(fs.readFileSync.length).toBe(nodeFs.readFileSync.length)
  })

  test('classes construct and subclass as the real ones', () => {
    class MySocket extends net.Socket {}
    const socket = new MySocket()
    expect(socket).toBeInstanceOf(nodeNet.Socket)
    expect(socket).toBeInstanceOf(MySocket)
    socket.destroy()
    const channel = new worker_threads.MessageChannel()
    channel.port1.close()
    expect(http.Server.prototype).toBe(Object.getPrototypeOf(new http.Server()))
    expect(cluster.default.isPrimary).toBe(true)
  })
})

describe('simulated modules', () => {
  test('timers and timers/promises run on the simulated loop', async () => {
    const { value } = await inSim(async (sim) => {
      const seen: string[] = []
      timers.setTimeout(() => seen.push(`timeout@${sim.world.clock.nowNsText()}`), 3)
      await timers_promises.setTimeout(5)
      await timers.promises.setImmediate()
      await timers_promises.scheduler.wait(10)
      await timers_promises.scheduler.yield()
      const ticks: number[] = []
      for await (const _ of timers_promises.setInterval(2)) {
        ticks.push(Number(sim.world.clock.nowNsText()))
        if (ticks.length === 2) break
      }
      return { seen, ticks, now: sim.world.clock.nowNsText(), same: timers.setTimeout === timers.default.setTimeout }
    })
    expect(value).toEqual({ seen: ['timeout@3000000'], ticks: [17_000_000, 19_000_000], now: '19000000', same: true })
  })

  test('timers/promises outside a simulation: the real ones', async () => {
    const started = Date.now()
    expect(await timers_promises.setTimeout(5, 'real')).toBe('real')
    expect(Date.now() - started).toBeGreaterThanOrEqual(4)
    await timers_promises.scheduler.wait(1)
    const detached = timers_promises.scheduler.wait
    const real_detached = (await import('node:timers/promises')).scheduler.wait
    // Detached from the scheduler, Node's wait throws on its receiver; ours does the same.
    expect(outcome(() => detached(1))).toEqual(outcome(() => real_detached(1)))
    expect(outcome(() => detached(1))).toMatchObject({ threw: 'TypeError' })
  })

  test('crypto randomness is seeded; hashing stays real', async () => {
    const body = async (sim: Simulation): Promise<unknown> => {
      const bytes = crypto.randomBytes(8).toString('hex')
      const async_bytes = await new Promise<string>((resolve, reject) =>
        crypto.randomBytes(4, (error, buf) => (error ? reject(error) : resolve(`${buf.toString('hex')}@${sim.world.clock.nowNsText()}`))),
      )
      const filled = crypto.randomFillSync(new Uint8Array(6), 2, 3)
      const filled_async = await new Promise<Uint16Array>((resolve) => crypto.randomFill(new Uint16Array(4), 1, (_, buf) => resolve(buf)))
      const ints = [crypto.randomInt(10), crypto.randomInt(-5, 5), await new Promise<number>((resolve) => crypto.randomInt(3, (_, n) => resolve(n)))]
      return {
        bytes,
        async_bytes,
        filled: [...filled],
        filled_async: [...filled_async],
        ints,
        uuid: crypto.randomUUID(),
        web: [...crypto.webcrypto.getRandomValues(new Uint8Array(4))],
        web_uuid: crypto.webcrypto.randomUUID(),
        values: [...crypto.getRandomValues(new Uint8Array(4))],
        hash: crypto.createHash('sha256').update('marionette').digest('hex'),
        pbkdf2: await new Promise<string>((resolve) => crypto.pbkdf2('pw', 'salt', 10, 8, 'sha256', (_, key) => resolve(key.toString('hex')))),
        prime: await new Promise<boolean>((resolve) => crypto.checkPrime(13n, (_, result) => resolve(result))),
      }
    }
    const a = (await inSim(body, 1)).value as Record<string, unknown>
    const b = (await inSim(body, 1)).value
    const c = (await inSim(body, 2)).value as Record<string, unknown>
    expect(a).toEqual(b)
    expect(c.bytes).not.toBe(a.bytes)
    expect(a.async_bytes).toMatch(/^[0-9a-f]{8}@0$/)
    const filled = a.filled as number[]
    expect([filled[0], filled[1], filled[5]]).toEqual([0, 0, 0])
    expect((a.filled_async as number[])[0]).toBe(0)
    const ints = a.ints as number[]
    expect(ints[0]).toBeGreaterThanOrEqual(0)
    expect(ints[0]).toBeLessThan(10)
    expect(ints[1]).toBeGreaterThanOrEqual(-5)
    expect(ints[1]).toBeLessThan(5)
    expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a.hash).toBe(nodeCrypto.createHash('sha256').update('marionette').digest('hex'))
    expect(a.pbkdf2).toBe(nodeCrypto.pbkdf2Sync('pw', 'salt', 10, 8, 'sha256').toString('hex'))
    expect(a.prime).toBe(true)
    // The first draw of the env stream is the first 8 random bytes.
    const env = new World({ seed: 1 }).random('env')
    expect(a.bytes).toBe(Buffer.from(env.fill(new Uint8Array(8))).toString('hex'))
  })

  test('crypto validates arguments like Node, inside and outside a simulation', async () => {
    const cases: [string, () => unknown, () => unknown][] = [
      ['randomInt(5, 2)', () => crypto.randomInt(5, 2), () => nodeCrypto.randomInt(5, 2)],
      ['randomInt(1.5)', () => crypto.randomInt(1.5), () => nodeCrypto.randomInt(1.5)],
      ['randomInt(0, 2 ** 49)', () => crypto.randomInt(0, 2 ** 49), () => nodeCrypto.randomInt(0, 2 ** 49)],
      ['randomBytes(-1)', () => crypto.randomBytes(-1), () => nodeCrypto.randomBytes(-1)],
      ["randomBytes('3')", () => crypto.randomBytes('3' as never), () => nodeCrypto.randomBytes('3' as never)],
      ['randomBytes(3, 5)', () => crypto.randomBytes(3, 5 as never), () => nodeCrypto.randomBytes(3, 5 as never)],
      ['randomFillSync overflow', () => crypto.randomFillSync(new Uint16Array(4), 3, 2), () => nodeCrypto.randomFillSync(new Uint16Array(4), 3, 2)],
      ['randomFillSync(string)', () => crypto.randomFillSync('x' as never), () => nodeCrypto.randomFillSync('x' as never)],
      ['randomFill without callback', () => crypto.randomFill(new Uint8Array(2) as never, 1 as never), () => nodeCrypto.randomFill(new Uint8Array(2) as never, 1 as never)],
      ['randomUUID(null)', () => crypto.randomUUID(null as never), () => nodeCrypto.randomUUID(null as never)],
      ['getRandomValues(65537)', () => crypto.getRandomValues(new Uint8Array(65_537)), () => nodeCrypto.getRandomValues(new Uint8Array(65_537))],
      ['webcrypto.getRandomValues(Float32Array)', () => crypto.webcrypto.getRandomValues(new Float32Array(1) as never), () => nodeCrypto.webcrypto.getRandomValues(new Float32Array(1) as never)],
      ['randomBytes(1.5)', () => crypto.randomBytes(1.5).length, () => nodeCrypto.randomBytes(1.5).length],
    ]
    const outside = cases.map(([name, ours]) => [name, outcome(ours)])
    const expected = cases.map(([name, , real]) => [name, outcome(real)])
    expect(outside).toEqual(expected)
    const { value: inside } = await inSim(() => cases.map(([name, ours]) => [name, outcome(ours)]))
    expect(inside).toEqual(expected)
  })

  test('os: volatile values simulated inside, real outside', async () => {
    const { value } = await inSim(async () => {
      const first = os.uptime()
      await timers_promises.setTimeout(2000)
      return {
        hostname: os.hostname(),
        uptime: [first, os.uptime()],
        loadavg: os.loadavg(),
        mem: [os.totalmem(), os.freemem()],
        cpus: os.cpus().map((cpu) => [cpu.model, cpu.speed, cpu.times.idle]),
        parallelism: os.availableParallelism(),
        interfaces: Object.keys(os.networkInterfaces()),
        user: os.userInfo().username,
        home: os.homedir(),
        tmp: os.tmpdir(),
        release: os.release(),
        platform: os.platform(),
        arch: os.arch(),
      }
    })
    const origin_s = DEFAULT_MONOTONIC_ORIGIN_NS / 1e9
    expect(value).toEqual({
      hostname: 'marionette',
      uptime: [origin_s, origin_s + 2],
      loadavg: [0, 0, 0],
      mem: [8 * 1024 ** 3, 4 * 1024 ** 3],
      cpus: [
        ['Marionette Simulated CPU', 2000, 3000],
        ['Marionette Simulated CPU', 2000, 3000],
      ],
      parallelism: 2,
      interfaces: ['lo'],
      user: 'marionette',
      home: '/home/marionette',
      tmp: '/tmp',
      release: '6.0.0-marionette',
      platform: nodeOs.platform(),
      arch: nodeOs.arch(),
    })
    expect(os.hostname()).toBe(nodeOs.hostname())
    expect(os.cpus().length).toBe(nodeOs.cpus().length)
    expect(os.homedir()).toBe(nodeOs.homedir())
    expect(os.release()).toBe(nodeOs.release())
  })
})
