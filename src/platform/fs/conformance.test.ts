import * as nodeFs from 'node:fs'
import * as nodeFsPromises from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import { run } from '../../run/run.js'
import simFs from '../modules/fs.js'
import simFsPromises from '../modules/fs_promises.js'

/**
 * Node conformance: each case runs the same fs calls against the real node:fs
 * in a fresh os.tmpdir() directory and against the simulated fs inside a
 * Simulation, and the outcomes must match: values, error classes, codes,
 * errno, syscall, path, dest and messages (with the directory replaced by
 * <root>). Real directory listings come in disk order, so cases sort them.
 */

type Fs = typeof nodeFs
type FsPromises = typeof nodeFsPromises
interface Api {
  readonly fs: Fs
  readonly fsp: FsPromises
  readonly root: string
  /** `root` joined with `name`. */
  p(name: string): string
}
type Case = (api: Api) => unknown

const { constants } = nodeFs
const real_roots: string[] = []

afterAll(() => {
  for (const root of real_roots) nodeFs.rmSync(root, { recursive: true, force: true })
})

/** A comparable form of an outcome; promises inside it (an `attempt` of a sync call) are awaited. */
async function normalize(value: unknown, root: string): Promise<unknown> {
  if (value instanceof Promise) return normalize(await value, root)
  if (typeof value === 'string') return value.split(root).join('<root>')
  if (Buffer.isBuffer(value)) return { buffer: value.toString('latin1').split(root).join('<root>') }
  if (value instanceof nodeFs.Stats) return { stats: { file: value.isFile(), dir: value.isDirectory(), size: value.size, mode: value.mode.toString(8) } }
  if (value instanceof nodeFs.Dirent) return { dirent: await normalize({ name: value.name, parentPath: value.parentPath, file: value.isFile(), dir: value.isDirectory() }, root) }
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>
    return {
      error: await normalize(
        { class: e.constructor.name, name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest, message: e.message },
        root,
      ),
    }
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => normalize(item, root)))
  if (value !== null && typeof value === 'object') {
    const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await normalize(item, root)] as const))
    return Object.fromEntries(entries)
  }
  return value
}

/** The outcome of one call: its value, or the error it threw or rejected with. */
async function attempt(call: () => unknown): Promise<unknown> {
  try {
    return { ok: await call() }
  } catch (error) {
    return error
  }
}

const sorted = <T>(values: T[]): T[] => [...values].sort((a, b) => String(a).localeCompare(String(b)))
const names = (entries: nodeFs.Dirent[]) => [...entries].sort((a, b) => a.name.localeCompare(b.name) || a.parentPath.localeCompare(b.parentPath))

const CASES: Record<string, Case> = {
  'writeFileSync then readFileSync': ({ fs, p }) => {
    fs.writeFileSync(p('a.txt'), 'hello')
    return [fs.readFileSync(p('a.txt'), 'utf8'), fs.readFileSync(p('a.txt')), fs.readFileSync(p('a.txt'), 'base64')]
  },
  'readFileSync of a missing file: ENOENT open': ({ fs, p }) => attempt(() => fs.readFileSync(p('missing'))),
  'readFileSync of a directory: EISDIR read': ({ fs, root }) => [attempt(() => fs.readFileSync(root)), attempt(() => fs.readFileSync(root, 'utf8'))],
  'readFileSync through a file: ENOTDIR open': ({ fs, p }) => {
    fs.writeFileSync(p('f'), 'x')
    return attempt(() => fs.readFileSync(p('f/x')))
  },
  'openSync with a bad flag string': ({ fs, p }) => [attempt(() => fs.openSync(p('a'), 'zz')), attempt(() => fs.openSync(p('a'), {} as never)), attempt(() => fs.openSync(p('a'), 1.5))],
  'numeric O_CREAT|O_EXCL twice: EEXIST': ({ fs, p }) => {
    const flags = constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL
    fs.closeSync(fs.openSync(p('x'), flags))
    return attempt(() => fs.openSync(p('x'), flags))
  },
  "'wx' on an existing file: EEXIST open": ({ fs, p }) => {
    fs.writeFileSync(p('x'), '1')
    return [attempt(() => fs.openSync(p('x'), 'wx')), attempt(() => fs.writeFileSync(p('x'), '2', { flag: 'wx' })), fs.readFileSync(p('x'), 'utf8')]
  },
  "a directory opened 'w': EISDIR open": ({ fs, root }) => [attempt(() => fs.openSync(root, 'w')), attempt(() => fs.openSync(root, 'a')), attempt(() => fs.openSync(root, 'r+'))],
  "a directory opened 'r' fsyncs, and reads EISDIR": ({ fs, root }) => {
    const fd = fs.openSync(root, 'r')
    const out: unknown[] = [attempt(() => fs.fsyncSync(fd)), attempt(() => fs.fdatasyncSync(fd)), attempt(() => fs.readSync(fd, Buffer.alloc(4))), fs.fstatSync(fd).isDirectory()]
    fs.closeSync(fd)
    return out
  },
  'EBADF after close': ({ fs, p }) => {
    const fd = fs.openSync(p('c'), 'w+')
    fs.closeSync(fd)
    return [attempt(() => fs.closeSync(fd)), attempt(() => fs.writeSync(fd, 'x')), attempt(() => fs.readSync(fd, Buffer.alloc(1))), attempt(() => fs.fstatSync(fd)), attempt(() => fs.fsyncSync(fd)), attempt(() => fs.ftruncateSync(fd))]
  },
  'wrong access mode: EBADF': ({ fs, p }) => {
    fs.writeFileSync(p('f'), 'abc')
    const read_only = fs.openSync(p('f'), 'r')
    const append = fs.openSync(p('f'), 'a')
    const out = [attempt(() => fs.writeSync(read_only, 'x')), attempt(() => fs.readSync(append, Buffer.alloc(2))), attempt(() => fs.ftruncateSync(read_only, 1))]
    fs.closeSync(read_only)
    fs.closeSync(append)
    return out
  },
  'bad fd arguments': ({ fs }) => [attempt(() => fs.closeSync(-1)), attempt(() => fs.closeSync('3' as never)), attempt(() => fs.readSync(1.5, Buffer.alloc(1))), attempt(() => fs.fstatSync(2 ** 31))],
  'paths with NUL bytes': ({ fs, p }) => [attempt(() => fs.readFileSync(p('a\0b'))), attempt(() => fs.statSync(Buffer.from('/a\0b'))), attempt(() => fs.mkdtempSync(p('t\0')))],
  'paths of the wrong type': ({ fs }) => [attempt(() => fs.readFileSync(12.5 as never)), attempt(() => fs.statSync({} as never)), attempt(() => fs.statSync(undefined as never)), attempt(() => fs.renameSync('/a', 5 as never))],
  'the empty path: ENOENT': ({ fs }) => [attempt(() => fs.readFileSync('')), attempt(() => fs.statSync('')), attempt(() => fs.mkdirSync(''))],
  'mkdirSync: EEXIST, recursive returns the first directory created': ({ fs, p }) => {
    fs.mkdirSync(p('d'))
    return [attempt(() => fs.mkdirSync(p('d'))), fs.mkdirSync(p('d'), { recursive: true }), fs.mkdirSync(p('n1/n2/n3'), { recursive: true }), fs.statSync(p('n1/n2/n3')).isDirectory()]
  },
  'mkdirSync: ENOTDIR under a file, ENOENT without parent': ({ fs, p }) => {
    fs.writeFileSync(p('f'), '')
    return [attempt(() => fs.mkdirSync(p('f/n'), { recursive: true })), attempt(() => fs.mkdirSync(p('zz/n'))), attempt(() => fs.mkdirSync(p('f'), { recursive: true })), attempt(() => fs.mkdirSync(p('q'), { recursive: 'yes' as never }))]
  },
  'rmdirSync: ENOTEMPTY, ENOTDIR, ENOENT': ({ fs, p }) => {
    fs.mkdirSync(p('d'))
    fs.writeFileSync(p('d/g'), 'x')
    return [attempt(() => fs.rmdirSync(p('d'))), attempt(() => fs.rmdirSync(p('d/g'))), attempt(() => fs.rmdirSync(p('nope')))]
  },
  'unlinkSync: EISDIR on a directory, ENOENT, ENOTDIR with a trailing slash': ({ fs, p, root }) => {
    fs.writeFileSync(p('f'), '')
    return [attempt(() => fs.unlinkSync(root)), attempt(() => fs.unlinkSync(p('nope'))), attempt(() => fs.unlinkSync(p('f/'))), attempt(() => fs.unlinkSync(p('f'))), fs.existsSync(p('f'))]
  },
  'rmSync: ERR_FS_EISDIR, ENOENT lstat, force, recursive': ({ fs, p }) => {
    fs.mkdirSync(p('d/e/f'), { recursive: true })
    fs.writeFileSync(p('d/e/f/g'), 'x')
    fs.writeFileSync(p('d/h'), 'x')
    return [
      attempt(() => fs.rmSync(p('d'))),
      attempt(() => fs.rmSync(p('nope'))),
      attempt(() => fs.rmSync(p('nope'), { force: true })),
      attempt(() => fs.rmSync(p('d'), { force: 1 as never })),
      attempt(() => fs.rmSync(p('d'), { recursive: true })),
      fs.existsSync(p('d')),
    ]
  },
  'readdirSync: ENOTDIR scandir, ENOENT, names, Dirents, recursive': ({ fs, p, root }) => {
    fs.mkdirSync(p('d/e'), { recursive: true })
    fs.writeFileSync(p('d/f'), '')
    fs.writeFileSync(p('g'), '')
    return [
      attempt(() => fs.readdirSync(p('g'))),
      attempt(() => fs.readdirSync(p('nope'))),
      sorted(fs.readdirSync(root)),
      names(fs.readdirSync(root, { withFileTypes: true })),
      sorted(fs.readdirSync(root, { recursive: true }) as string[]),
      names(fs.readdirSync(root, { recursive: true, withFileTypes: true })),
      sorted(fs.readdirSync(root, { encoding: 'buffer' }).map((name) => name.toString('hex'))),
    ]
  },
  'renameSync errors name path and dest': ({ fs, p }) => {
    fs.mkdirSync(p('d'))
    fs.mkdirSync(p('e/x'), { recursive: true })
    fs.mkdirSync(p('empty'))
    fs.writeFileSync(p('f'), 'f')
    return [
      attempt(() => fs.renameSync(p('nope'), p('x'))),
      attempt(() => fs.renameSync(p('d'), p('f'))),
      attempt(() => fs.renameSync(p('f'), p('d'))),
      attempt(() => fs.renameSync(p('empty'), p('e'))),
      attempt(() => fs.renameSync(p('d'), p('d/inside'))),
    ]
  },
  'renameSync replaces a file and moves a directory over an empty one': ({ fs, p, root }) => {
    fs.writeFileSync(p('a'), 'A')
    fs.writeFileSync(p('b'), 'B')
    fs.mkdirSync(p('d'))
    fs.writeFileSync(p('d/x'), 'X')
    fs.mkdirSync(p('empty'))
    fs.renameSync(p('a'), p('b'))
    fs.renameSync(p('d'), p('empty'))
    return [sorted(fs.readdirSync(root)), fs.readFileSync(p('b'), 'utf8'), fs.readFileSync(p('empty/x'), 'utf8')]
  },
  'copyFileSync: content, COPYFILE_EXCL, ENOENT, EISDIR, bad mode': ({ fs, p, root }) => {
    fs.writeFileSync(p('a'), 'copy me')
    fs.writeFileSync(p('b'), 'old')
    return [
      attempt(() => fs.copyFileSync(p('a'), p('b'), constants.COPYFILE_EXCL)),
      attempt(() => fs.copyFileSync(p('nope'), p('c'))),
      attempt(() => fs.copyFileSync(root, p('c'))),
      attempt(() => fs.copyFileSync(p('a'), p('c'), 99)),
      attempt(() => fs.copyFileSync(p('a'), p('b'))),
      fs.readFileSync(p('b'), 'utf8'),
    ]
  },
  'accessSync modes': ({ fs, p }) => {
    fs.writeFileSync(p('f'), '')
    return [
      attempt(() => fs.accessSync(p('f'))),
      attempt(() => fs.accessSync(p('f'), constants.R_OK | constants.W_OK)),
      attempt(() => fs.accessSync(p('f'), constants.X_OK)),
      attempt(() => fs.accessSync(p('nope'))),
      attempt(() => fs.accessSync(p('f'), 99)),
      attempt(() => fs.accessSync(p('f'), 'a' as never)),
    ]
  },
  'truncateSync and ftruncateSync': ({ fs, p, root }) => {
    fs.writeFileSync(p('f'), 'abcdef')
    fs.truncateSync(p('f'), 2)
    const first = fs.readFileSync(p('f'), 'utf8')
    const fd = fs.openSync(p('f'), 'r+')
    fs.ftruncateSync(fd, 5)
    const size = fs.fstatSync(fd).size
    fs.closeSync(fd)
    return [first, size, fs.readFileSync(p('f')), attempt(() => fs.truncateSync(root)), attempt(() => fs.truncateSync(p('f'), 'a' as never)), attempt(() => fs.truncateSync(p('f'), -1)), fs.statSync(p('f')).size]
  },
  'appendFileSync appends; readFileSync with flag w truncates then EBADF': ({ fs, p }) => {
    fs.appendFileSync(p('log'), 'a')
    fs.appendFileSync(p('log'), Buffer.from('b'))
    const before = fs.readFileSync(p('log'), 'utf8')
    return [before, attempt(() => fs.readFileSync(p('log'), { flag: 'w' })), fs.readFileSync(p('log'), 'utf8'), attempt(() => fs.readFileSync(p('log'), { flag: 'zz' }))]
  },
  'existsSync and statSync options': ({ fs, p, root }) => {
    fs.writeFileSync(p('f'), 'abc')
    return [
      fs.existsSync(root),
      fs.existsSync(p('nope')),
      fs.existsSync(p('a\0b')),
      fs.existsSync(5 as never),
      fs.statSync(p('nope'), { throwIfNoEntry: false }),
      attempt(() => fs.statSync(p('f/'))),
      fs.statSync(p('f')),
      fs.lstatSync(root),
      typeof fs.statSync(p('f'), { bigint: true }).size,
    ]
  },
  'realpathSync: ENOENT names the first missing component': ({ fs, p }) => {
    fs.mkdirSync(p('a'))
    fs.writeFileSync(p('f'), '')
    return [
      attempt(() => fs.realpathSync(p('zz/yy'))),
      attempt(() => fs.realpathSync(p('f/yy'))),
      attempt(() => fs.realpathSync.native(p('zz/yy'))),
      fs.realpathSync(p('a/../f')),
      fs.realpathSync.native(p('a/./')),
    ]
  },
  'utimesSync sets the times; ENOENT utime': ({ fs, p }) => {
    fs.writeFileSync(p('f'), '')
    fs.utimesSync(p('f'), 1000, 2000.5)
    const stat = fs.statSync(p('f'))
    return [stat.atimeMs, stat.mtimeMs, attempt(() => fs.utimesSync(p('nope'), 1, 1)), attempt(() => fs.utimesSync(p('f'), 'a' as never, 1)), attempt(() => fs.utimesSync(p('f'), new Date(Number.NaN), 1))]
  },
  'futimesSync and fchmodSync through a descriptor': ({ fs, p }) => {
    const fd = fs.openSync(p('f'), 'w')
    fs.futimesSync(fd, new Date(5000), new Date(6000))
    fs.fchmodSync(fd, 0o640)
    const stat = fs.fstatSync(fd)
    fs.closeSync(fd)
    return [stat.mtimeMs, stat.mode.toString(8), attempt(() => fs.futimesSync(fd, 1, 1)), attempt(() => fs.fchmodSync(fd, 0o600))]
  },
  'chmodSync sets permission bits; ENOENT chmod; bad mode': ({ fs, p }) => {
    fs.writeFileSync(p('f'), '')
    fs.chmodSync(p('f'), 0o600)
    fs.chmodSync(p('f'), '640')
    return [fs.statSync(p('f')).mode.toString(8), attempt(() => fs.chmodSync(p('nope'), 0o600)), attempt(() => fs.chmodSync(p('f'), 'zz'))]
  },
  'mkdtempSync: a fresh directory; ENOENT mkdtemp': ({ fs, p, root }) => {
    const made = fs.mkdtempSync(p('t-'))
    return [/^t-[A-Za-z0-9]{6}$/.test(made.slice(root.length + 1)), fs.statSync(made).isDirectory(), attempt(() => fs.mkdtempSync(p('zz/t-'))), attempt(() => fs.mkdtempSync(5 as never))]
  },
  'writeSync and readSync with positions': ({ fs, p }) => {
    const fd = fs.openSync(p('f'), 'w+')
    const out: unknown[] = [
      fs.writeSync(fd, 'hello world'),
      fs.writeSync(fd, 'J', 6),
      fs.writeSync(fd, Buffer.from('XYZ'), 1, 1, 0),
      fs.writeSync(fd, Buffer.from('!')),
    ]
    const buffer = Buffer.alloc(20)
    out.push(fs.readSync(fd, buffer, 0, 20, 0), buffer.toString('utf8', 0, 12), fs.readSync(fd, buffer, { position: 100 }), fs.readSync(fd, buffer, 0, 0, 0))
    out.push(attempt(() => (fs.readSync as (...args: unknown[]) => number)(fd, Buffer.alloc(4), 5, 1)), attempt(() => fs.readSync(fd, Buffer.alloc(4), 0, 1, -2)), attempt(() => fs.readSync(fd, 'str' as never)), attempt(() => fs.writeSync(fd, 5 as never)))
    fs.closeSync(fd)
    return out
  },
  'append mode writes at the end whatever the position says': ({ fs, p }) => {
    fs.writeFileSync(p('f'), 'abc')
    const fd = fs.openSync(p('f'), 'a+')
    fs.writeSync(fd, 'X', 0)
    const buffer = Buffer.alloc(10)
    const read = fs.readSync(fd, buffer, 0, 10, 0)
    fs.closeSync(fd)
    return [read, buffer.toString('utf8', 0, read)]
  },
  'writevSync and readvSync': ({ fs, p }) => {
    const fd = fs.openSync(p('f'), 'w+')
    const written = fs.writevSync(fd, [Buffer.from('ab'), Buffer.from('cde')])
    const a = Buffer.alloc(3)
    const b = Buffer.alloc(3)
    const read = fs.readvSync(fd, [a, b], 0)
    fs.closeSync(fd)
    return [written, read, a, b, attempt(() => fs.writevSync(fd, 'x' as never))]
  },
  'O_DIRECTORY and a trailing slash on a file: ENOTDIR; a new name with a slash: EISDIR': ({ fs, p }) => {
    fs.writeFileSync(p('f'), '')
    return [attempt(() => fs.openSync(p('f'), constants.O_RDONLY | constants.O_DIRECTORY)), attempt(() => fs.openSync(p('f/'), 'r')), attempt(() => fs.openSync(p('new/'), 'w'))]
  },
  "'..' cannot climb above the root": ({ fs, p, root }) => {
    fs.writeFileSync(p('f'), 'x')
    return [fs.existsSync(`/../../..${root}`), fs.readFileSync(`/..${p('f')}`, 'utf8'), fs.readFileSync(p('a/../f'), 'utf8')]
  },
  'encodings: bad encoding, hex odd length': ({ fs, p }) => {
    fs.writeFileSync(p('f'), 'abc')
    return [attempt(() => fs.readFileSync(p('f'), 'nope' as never)), attempt(() => fs.writeFileSync(p('f'), 'x', { encoding: 'zz' as never })), fs.readFileSync(p('f'), 'hex'), attempt(() => fs.writeFileSync(p('f'), 5 as never))]
  },
  'opendirSync lists entries; ENOENT opendir': async ({ fs, p, root }) => {
    fs.mkdirSync(p('d'))
    fs.writeFileSync(p('f'), '')
    const dir = fs.opendirSync(root)
    const entries = [dir.readSync(), dir.readSync(), dir.readSync()]
    dir.closeSync()
    return [names(entries.filter((entry): entry is nodeFs.Dirent => entry !== null)), entries[2], attempt(() => dir.readSync()), attempt(() => fs.opendirSync(p('nope')))]
  },
  'callback forms: open, read, write, stat, errors': async ({ fs, p, root }) => {
    const open = promisify(fs.open)
    const fd = await open(p('f'), 'w+')
    const written = await promisify(fs.write)(fd, Buffer.from('callback'))
    const read = await promisify(fs.read)(fd, Buffer.alloc(8), 0, 8, 0)
    const stat = await promisify(fs.fstat)(fd)
    await promisify(fs.close)(fd)
    return [
      written.bytesWritten,
      read.bytesRead,
      read.buffer,
      stat.size,
      await attempt(() => promisify(fs.close)(fd)),
      await attempt(() => promisify(fs.readFile)(root)),
      await attempt(() => open(p('nope'), 'r')),
      await attempt(() => promisify(fs.readdir)(p('f'))),
      await promisify(fs.exists)(p('f')),
      attempt(() => fs.stat(p('f'), undefined as never)),
    ]
  },
  'callback writeFile, appendFile, readFile, mkdir, rename, unlink': async ({ fs, p }) => {
    await promisify(fs.writeFile)(p('a'), 'one')
    await promisify(fs.appendFile)(p('a'), '+two')
    const content = await promisify(fs.readFile)(p('a'), 'utf8')
    const first = await promisify(fs.mkdir)(p('x/y'), { recursive: true })
    await promisify(fs.rename)(p('a'), p('x/y/a'))
    await promisify(fs.unlink)(p('x/y/a'))
    return [content, first, await attempt(() => promisify(fs.unlink)(p('x/y/a'))), await attempt(() => promisify(fs.rmdir)(p('x')))]
  },
  'fs.promises: readFile, writeFile, mkdir, readdir, rm, errors': async ({ fsp, p, root }) => {
    await fsp.mkdir(p('d/e'), { recursive: true })
    await fsp.writeFile(p('d/e/f'), 'promised')
    return [
      await fsp.readFile(p('d/e/f'), 'utf8'),
      names(await fsp.readdir(p('d'), { withFileTypes: true })),
      await attempt(() => fsp.readFile(p('nope'))),
      await attempt(() => fsp.readFile(root)),
      await attempt(() => fsp.rm(p('d'))),
      await attempt(() => fsp.rmdir(p('d'))),
      await attempt(() => fsp.access(p('nope'))),
      await attempt(() => fsp.stat(5 as never)),
      await attempt(() => fsp.rename(p('nope'), p('x'))),
      await attempt(() => fsp.copyFile(p('d/e/f'), p('d/e/f'), constants.COPYFILE_EXCL)),
      await fsp.rm(p('d'), { recursive: true }),
      await attempt(() => fsp.stat(p('d'))),
      await fsp.realpath(p('.')),
    ]
  },
  'FileHandle: write, read, stat, truncate, sync, close, then file closed': async ({ fsp, p }) => {
    const handle = await fsp.open(p('f'), 'w+')
    const out: unknown[] = []
    out.push((await handle.write('handle data')).bytesWritten)
    out.push((await handle.write(Buffer.from('!'), 0, 1, 0)).bytesWritten)
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(11), 0, 11, 0)
    out.push(bytesRead, buffer)
    out.push((await handle.stat()).size)
    await handle.truncate(6)
    await handle.sync()
    await handle.datasync()
    out.push(await handle.readFile('utf8'))
    await handle.writeFile('')
    out.push((await handle.read({ buffer: Buffer.alloc(4), position: 0 })).bytesRead)
    await handle.close()
    out.push(handle.fd, await attempt(() => handle.read()), await attempt(() => handle.stat()), await attempt(() => handle.close()))
    out.push(await attempt(() => handle.write('x')), await attempt(() => handle.sync()), await attempt(() => handle.datasync()))
    out.push(await fsp.readFile(p('f'), 'utf8'))
    return out
  },
  'FileHandle: argument errors reject, read of nothing, write of a string at a position': async ({ fsp, p }) => {
    const handle = await fsp.open(p('g'), 'w+')
    const out: unknown[] = []
    out.push(await attempt(() => handle.write(Buffer.from('abc'), -1)), await attempt(() => handle.write(Buffer.from('abc'), 0, 9)))
    out.push(await attempt(() => handle.write(42 as unknown as string)), await attempt(() => handle.read(Buffer.alloc(4), 0, 9, 0)))
    out.push((await handle.write('xyz', 2)).bytesWritten)
    const empty = await handle.read(Buffer.alloc(4), 0, 0, 0)
    out.push(empty.bytesRead, empty.buffer)
    const ro = await fsp.open(p('g'), 'r')
    out.push(await attempt(() => ro.write('no')))
    await ro.close()
    await handle.close()
    out.push(await fsp.readFile(p('g')))
    return out
  },
  'fs.promises.open errors': async ({ fsp, p, root }) => [
    await attempt(() => fsp.open(p('nope'))),
    await attempt(() => fsp.open(root, 'w')),
    await attempt(() => fsp.open(p('x'), 'bad')),
    await attempt(() => fsp.open(p('a\0'))),
  ],
  'streams: write then read back, ENOENT on a missing file': async ({ fs, p }) => {
    const writer = fs.createWriteStream(p('s'))
    for (let i = 0; i < 50; i++) writer.write(`line ${i}\n`)
    await new Promise<void>((resolve, reject) => {
      writer.on('error', reject)
      writer.end(resolve)
    })
    await new Promise((resolve) => writer.once('close', () => resolve(undefined)))
    const chunks: Buffer[] = []
    for await (const chunk of fs.createReadStream(p('s'), { highWaterMark: 100, start: 10 })) chunks.push(chunk as Buffer)
    const error = await new Promise((resolve) => fs.createReadStream(p('nope')).on('error', resolve))
    return [writer.bytesWritten, chunks.length, Buffer.concat(chunks).toString().slice(0, 20), error]
  },
}

async function runReal(body: Case): Promise<unknown> {
  const root = nodeFs.mkdtempSync(join(tmpdir(), 'marionette-fs-'))
  real_roots.push(root)
  return normalize(await attempt(() => body({ fs: nodeFs, fsp: nodeFsPromises, root, p: (name) => join(root, name) })), root)
}

async function runSimulated(body: Case, seed: number): Promise<unknown> {
  let outcome: unknown
  const report = await run(async () => {
    const root = '/tmp/marionette-fs-sim'
    // As mkdtemp makes the real one: mode 0o700.
    ;(simFs as Fs).mkdirSync(root, { recursive: true, mode: 0o700 })
    const result = await normalize(await attempt(() => body({ fs: simFs as Fs, fsp: simFsPromises as FsPromises, root, p: (name) => join(root, name) })), root)
    outcome ??= result
  }, { seed })
  if (report.error !== null) throw report.error
  expect(report.replay).toBe('identical')
  return outcome
}

describe('simulated fs conforms to node:fs', () => {
  test('there are at least 40 cases', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(40)
  })

  test.each(Object.entries(CASES))('%s', async (_, body) => {
    const real = await runReal(body)
    const simulated = await runSimulated(body, 7)
    expect(simulated).toEqual(real)
  })
})
