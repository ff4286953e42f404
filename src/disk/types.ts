export type InodeKind = 'file' | 'directory'

/** What `stat` reports of an inode. Times are wall-clock nanoseconds of the simulated clock. */
export interface DiskStat {
  readonly ino: number
  readonly kind: InodeKind
  readonly size_bytes: number
  /** Permission bits only (`mode & 0o7777`); `kind` gives the file type. */
  readonly mode: number
  readonly nlink: number
  /** 512-byte blocks allocated (sparse: holes take none). */
  readonly blocks: number
  readonly atime_ns: bigint
  readonly mtime_ns: bigint
  readonly ctime_ns: bigint
  readonly birthtime_ns: bigint
}

export interface DirEntry {
  readonly name: string
  readonly kind: InodeKind
  readonly ino: number
}

/** Latency classes; all share one min + jitter model today. */
export type DiskOperationKind = 'read' | 'write' | 'sync' | 'metadata'
