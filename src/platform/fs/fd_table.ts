import type { InodeKind } from '../../disk/index.js'
import type { OpenMode } from './flags.js'

/**
 * The simulated process's open file descriptors.
 *
 * Numbers are allocated lowest-free (as POSIX does), from FIRST_FD up. They
 * start well above the real process's own descriptors on purpose: a simulated
 * fd handed to code that reaches the real fs (an untransformed dependency)
 * then fails with EBADF instead of writing into one of the test runner's pipes.
 * An open descriptor holds its inode, so an unlinked file stays readable and
 * writable through it until it is closed, as on POSIX.
 */

export const FIRST_FD = 1000
/** Open descriptors per simulation before EMFILE; a leak of descriptors fails rather than grows. */
export const MAX_OPEN_FDS = 4096

export interface OpenFile {
  readonly fd: number
  readonly ino: number
  readonly kind: InodeKind
  /** The resolved path it was opened by (it may have been renamed or unlinked since). */
  readonly path: string
  readonly mode: OpenMode
  /** The file position for reads and writes without an explicit position. */
  position: number
}

export class FdTable {
  readonly #files = new Map<number, OpenFile>()
  /** Lowest number that may be free; every number below it is taken. */
  #lowest_free = FIRST_FD

  get size(): number {
    return this.#files.size
  }

  /** Allocates the lowest free descriptor for `file`; null when MAX_OPEN_FDS are open (EMFILE). */
  open(file: Omit<OpenFile, 'fd' | 'position'>): OpenFile | null {
    if (this.#files.size >= MAX_OPEN_FDS) return null
    let fd = this.#lowest_free
    while (this.#files.has(fd)) fd++
    if (!(fd < FIRST_FD + MAX_OPEN_FDS)) throw new Error(`FdTable: no free descriptor below ${FIRST_FD + MAX_OPEN_FDS} with ${this.#files.size} open`)
    // Written out rather than spread: open is on every file's path, and the spread copies generically.
    const entry: OpenFile = { fd, ino: file.ino, kind: file.kind, path: file.path, mode: file.mode, position: 0 }
    this.#files.set(fd, entry)
    this.#lowest_free = fd + 1
    return entry
  }

  get(fd: number): OpenFile | undefined {
    return this.#files.get(fd)
  }

  /** Removes `fd`; undefined when it was not open (EBADF). */
  close(fd: number): OpenFile | undefined {
    const entry = this.#files.get(fd)
    if (entry === undefined) return undefined
    this.#files.delete(fd)
    if (fd < this.#lowest_free) this.#lowest_free = fd
    return entry
  }

  /** Open descriptors, lowest first (for diagnostics and tests). */
  fds(): number[] {
    return [...this.#files.keys()].sort((a, b) => a - b)
  }
}
