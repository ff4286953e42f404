/** The root directory's inode number; numbers are allocated upward from it. */
export const ROOT_INO = 1

/**
 * A write not yet made durable by fsync. It "owns" the dirty sectors whose latest
 * content it wrote; at a crash its fate decides theirs (see crash.ts).
 */
export interface PendingWrite {
  readonly op: number
  readonly ino: number
  /** Where the data actually went (a misdirected write records its real place). */
  offset: number
  size_bytes: number
  /** Dirty sectors whose latest content this write produced; 0 once later writes covered them all. */
  sectors_owned: number
}

/** A sector written since the file's last fsync: its durable content and the write it waits on. */
export interface DirtySector {
  /** The sector's durable content; null when durably it is a hole. Never aliases the volatile sector. */
  readonly durable: Uint8Array | null
  owner: PendingWrite
}

interface InodeBase {
  readonly ino: number
  mode: number
  /** The directory holding this inode's one entry in the volatile namespace; 0 when it has none. */
  parent_ino: number
  atime_ns: bigint
  mtime_ns: bigint
  ctime_ns: bigint
  readonly birthtime_ns: bigint
  /** Pending directory-entry changes naming this inode; it is not freed while any remain. */
  journal_refs: number
  /** Holds taken with SimDisk.retain (open descriptors); an unlinked inode lives while held. */
  holds: number
}

export interface FileNode extends InodeBase {
  readonly kind: 'file'
  /** Volatile content: what reads see. Bytes past `size_bytes` are zero. */
  readonly sectors: Map<number, Uint8Array>
  size_bytes: number
  durable_size_bytes: number
  readonly dirty: Map<number, DirtySector>
  /** Pending writes in op order. */
  pending: PendingWrite[]
}

export interface DirNode extends InodeBase {
  readonly kind: 'directory'
  /** Volatile entries: name to ino. */
  readonly entries: Map<string, number>
  /** Journal sequence number of the latest directory-entry change in this directory; -1 if none. */
  last_change_seq: number
}

export type Inode = FileNode | DirNode

export function newFileNode(ino: number, mode: number, now_ns: bigint): FileNode {
  return {
    kind: 'file',
    ino,
    mode,
    parent_ino: 0,
    atime_ns: now_ns,
    mtime_ns: now_ns,
    ctime_ns: now_ns,
    birthtime_ns: now_ns,
    journal_refs: 0,
    holds: 0,
    sectors: new Map(),
    size_bytes: 0,
    durable_size_bytes: 0,
    dirty: new Map(),
    pending: [],
  }
}

export function newDirNode(ino: number, mode: number, now_ns: bigint): DirNode {
  return {
    kind: 'directory',
    ino,
    mode,
    parent_ino: 0,
    atime_ns: now_ns,
    mtime_ns: now_ns,
    ctime_ns: now_ns,
    birthtime_ns: now_ns,
    journal_refs: 0,
    holds: 0,
    entries: new Map(),
    last_change_seq: -1,
  }
}
