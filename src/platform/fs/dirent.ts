import { constants, Dirent } from 'node:fs'
import type { InodeKind } from '../../disk/index.js'

/**
 * `fs.Dirent` for `readdir(..., { withFileTypes: true })` and `opendir`:
 * instances of the real class (so `instanceof fs.Dirent` holds), carrying
 * `name`, `parentPath` and `path` as Node 20 sets them.
 */

const { UV_DIRENT_FILE, UV_DIRENT_DIR } = constants as typeof constants & { UV_DIRENT_FILE: number; UV_DIRENT_DIR: number }
type DirentConstructor = new (name: string | Buffer, type: number, path: string) => Dirent

export function toDirent(name: string | Buffer, kind: InodeKind, parent_path: string): Dirent {
  return new (Dirent as unknown as DirentConstructor)(name, kind === 'directory' ? UV_DIRENT_DIR : UV_DIRENT_FILE, parent_path)
}
