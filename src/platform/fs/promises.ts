import { constants } from 'node:fs'
import type { Simulation } from '../../sim/simulation.js'
import {
  decodeContent,
  parseMkdir,
  parseReadFile,
  parseReaddir,
  parseRm,
  parseWriteFile,
  readdirResult,
  realpathPath,
  statsOf,
  validMode,
} from './api_path.js'
import { opendirPromise } from './dir.js'
import { FileHandle } from './file_handle.js'
import { parseFileMode, parseOpenFlags } from './flags.js'
import { encodeName, promiseForm } from './forms.js'
import { fsContext } from './context.js'
import type { OpenMode } from './flags.js'
import { openNow } from './ops_fd.js'
import { accessOp, chmodOp, lookupPath, mkdirOp, mkdtempOp, readdirOp, realpathOp, renameNow, rmdirOp, rmOp, unlinkNow, utimesOp } from './ops_path.js'
import { copyFileOp, readFileOp, truncatePathOp, writeFileOp } from './ops_whole.js'
import { toSimPath, type SimPath } from './path.js'
import { stepPromise } from './step.js'
import { toUnixTimestampNs } from './times.js'
import { getOptions, validateInteger } from './validate.js'

/**
 * node:fs/promises inside a simulation: the same operations as the callback
 * and sync forms, resolved on the simulated loop. Argument errors reject (the
 * real functions are async functions). `readFile`, `writeFile` and
 * `appendFile` also take a FileHandle; `writeFile` also takes an iterable or
 * async iterable of chunks, which it collects before writing.
 */

type PromiseFunction = (sim: Simulation, args: unknown[]) => Promise<unknown>

function isChunkIterable(data: unknown): data is Iterable<unknown> | AsyncIterable<unknown> {
  if (data === null || typeof data !== 'object' || ArrayBuffer.isView(data)) return false
  return typeof (data as Record<symbol, unknown>)[Symbol.iterator] === 'function' || typeof (data as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
}

async function collectChunks(data: Iterable<unknown> | AsyncIterable<unknown>, encoding: unknown): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of data as AsyncIterable<unknown>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding) : Buffer.from(chunk as Uint8Array))
  }
  return Buffer.concat(chunks)
}

async function writeOrAppend(sim: Simulation, args: unknown[], default_flag: 'w' | 'a'): Promise<void> {
  const [path, data, options] = args
  let bytes = data
  if (isChunkIterable(data)) bytes = await collectChunks(data, getOptions(options, { encoding: 'utf8' as unknown }).encoding)
  if (path instanceof FileHandle) return default_flag === 'a' ? path.appendFile(bytes, options) : path.writeFile(bytes, options)
  return promiseForm(sim, `fs.promises.${default_flag === 'a' ? 'appendFile' : 'writeFile'}`, () => {
    const request = parseWriteFile(path, bytes, options, default_flag)
    return (c) => writeFileOp(c, request.target, request.data, request.flush, request.signal)
  })
}

export const promiseFunctions: Record<string, PromiseFunction> = {
  access: (sim, [path, mode]) =>
    promiseForm(sim, 'fs.promises.access', () => {
      const sim_path = toSimPath(path)
      const access_mode = validMode(mode, constants.F_OK)
      return (c) => accessOp(c, sim_path, access_mode)
    }),
  appendFile: (sim, args) => writeOrAppend(sim, args, 'a'),
  writeFile: (sim, args) => writeOrAppend(sim, args, 'w'),
  chmod: (sim, [path, mode]) =>
    promiseForm(sim, 'fs.promises.chmod', () => {
      const sim_path = toSimPath(path)
      const permissions = parseFileMode(mode, 'mode')
      return (c) => chmodOp(c, sim_path, permissions)
    }),
  copyFile: (sim, [source, target, mode]) =>
    promiseForm(sim, 'fs.promises.copyFile', () => {
      const from = toSimPath(source, 'src')
      const to = toSimPath(target, 'dest')
      const copy_mode = validMode(mode, 0)
      return (c) => copyFileOp(c, from, to, copy_mode)
    }),
  lstat: (sim, [path, options]) => statPromise(sim, path, options, 'lstat'),
  stat: (sim, [path, options]) => statPromise(sim, path, options, 'stat'),
  mkdir: (sim, [path, options]) =>
    promiseForm(sim, 'fs.promises.mkdir', () => {
      const request = parseMkdir(path, options)
      return function* (c) {
        const first = yield* mkdirOp(c, request.path, request.mode, request.recursive)
        return request.recursive ? first : undefined
      }
    }),
  mkdtemp: (sim, [prefix, options]) =>
    promiseForm(sim, 'fs.promises.mkdtemp', () => {
      const encoding = getOptions(options, {}).encoding
      const sim_path = toSimPath(prefix, 'prefix')
      return function* (c) {
        return encodeName(yield* mkdtempOp(c, sim_path), encoding)
      }
    }),
  open: (sim, [path, flags, mode]) => {
    let sim_path: SimPath
    let open_mode: OpenMode
    let permissions: number
    try {
      sim_path = toSimPath(path)
      open_mode = parseOpenFlags(flags)
      permissions = parseFileMode(mode, 'mode', 0o666)
    } catch (error) {
      return Promise.reject(error)
    }
    const context = fsContext(sim)
    return stepPromise(sim, 'fs.promises.open', 'metadata', 'open', sim_path.given, () => new FileHandle(sim, openNow(context, sim_path, open_mode, permissions).fd))
  },
  opendir: (sim, [path, options]) => opendirPromise(sim, path, options),
  readFile: (sim, [path, options]) => {
    if (path instanceof FileHandle) return path.readFile(options)
    return promiseForm(sim, 'fs.promises.readFile', () => {
      const request = parseReadFile(path, options, 'options.flag')
      if ('fd' in request.source) throw toSimPath(path) // a number is not a path here: Node rejects it the same way
      return function* (c) {
        return decodeContent(yield* readFileOp(c, request.source, request.signal), request.encoding)
      }
    })
  },
  readdir: (sim, [path, options]) =>
    promiseForm(sim, 'fs.promises.readdir', () => {
      const request = parseReaddir(path, options)
      return function* (c) {
        return readdirResult(request, yield* readdirOp(c, request.path, request.recursive))
      }
    }),
  realpath: (sim, [path, options]) =>
    promiseForm(sim, 'fs.promises.realpath', () => {
      const sim_path = realpathPath(path)
      const encoding = getOptions(options, {}).encoding
      return function* (c) {
        return encodeName(yield* realpathOp(c, sim_path, true), encoding)
      }
    }),
  rename: (sim, [from, to]) => {
    let source: SimPath
    let target: SimPath
    try {
      source = toSimPath(from, 'oldPath')
      target = toSimPath(to, 'newPath')
    } catch (error) {
      return Promise.reject(error)
    }
    const context = fsContext(sim)
    return stepPromise(sim, 'fs.promises.rename', 'metadata', 'rename', source.given, () => renameNow(context, source, target), target.given)
  },
  rm: (sim, [path, options]) =>
    promiseForm(sim, 'fs.promises.rm', () => {
      const request = parseRm(path, options)
      return (c) => rmOp(c, request.path, request.recursive, request.force)
    }),
  rmdir: (sim, [path, options]) =>
    promiseForm(sim, 'fs.promises.rmdir', () => {
      const sim_path = toSimPath(path)
      const recursive = (options as { recursive?: unknown } | undefined)?.recursive === true
      return (c) => (recursive ? rmOp(c, sim_path, true, false) : rmdirOp(c, sim_path))
    }),
  truncate: (sim, [path, length = 0]) =>
    promiseForm(sim, 'fs.promises.truncate', () => {
      if (path instanceof FileHandle) throw toSimPath(path)
      validateInteger(length, 'len')
      const sim_path = toSimPath(path)
      const bytes = Math.max(0, length)
      return (c) => truncatePathOp(c, sim_path, bytes)
    }),
  unlink: (sim, [path]) => {
    let sim_path: SimPath
    try {
      sim_path = toSimPath(path)
    } catch (error) {
      return Promise.reject(error)
    }
    const context = fsContext(sim)
    return stepPromise(sim, 'fs.promises.unlink', 'metadata', 'unlink', sim_path.given, () => unlinkNow(context, sim_path))
  },
  utimes: (sim, [path, atime, mtime]) =>
    promiseForm(sim, 'fs.promises.utimes', () => {
      const sim_path = toSimPath(path)
      const atime_ns = toUnixTimestampNs(sim, atime)
      const mtime_ns = toUnixTimestampNs(sim, mtime)
      return (c) => utimesOp(c, sim_path, atime_ns, mtime_ns)
    }),
}

function statPromise(sim: Simulation, path: unknown, options: unknown, syscall: 'stat' | 'lstat'): Promise<unknown> {
  let sim_path: SimPath
  try {
    sim_path = toSimPath(path)
  } catch (error) {
    return Promise.reject(error)
  }
  const context = fsContext(sim)
  return stepPromise(sim, `fs.promises.${syscall}`, 'metadata', syscall, sim_path.given, () => statsOf(sim, lookupPath(context, sim_path, syscall), options))
}
