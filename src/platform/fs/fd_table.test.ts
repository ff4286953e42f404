import { describe, expect, test } from 'vitest'
import { FdTable, FIRST_FD, MAX_OPEN_FDS } from './fd_table.js'
import { parseOpenFlags } from './flags.js'

const file = (ino: number) => ({ ino, kind: 'file' as const, path: `/f${ino}`, mode: parseOpenFlags('r') })

describe('the descriptor table', () => {
  test('lowest free number first, from FIRST_FD; closing twice is undefined (EBADF)', () => {
    const table = new FdTable()
    const a = table.open(file(1))
    const b = table.open(file(2))
    const c = table.open(file(3))
    expect([a?.fd, b?.fd, c?.fd]).toEqual([FIRST_FD, FIRST_FD + 1, FIRST_FD + 2])
    expect(table.close(FIRST_FD + 1)?.ino).toBe(2)
    expect(table.close(FIRST_FD + 1)).toBeUndefined()
    expect(table.open(file(4))?.fd).toBe(FIRST_FD + 1)
    expect(table.open(file(5))?.fd).toBe(FIRST_FD + 3)
    expect(table.get(FIRST_FD)?.position).toBe(0)
    expect(table.fds()).toEqual([FIRST_FD, FIRST_FD + 1, FIRST_FD + 2, FIRST_FD + 3])
  })

  test('MAX_OPEN_FDS open descriptors, then null (EMFILE)', () => {
    const table = new FdTable()
    for (let i = 0; i < MAX_OPEN_FDS; i++) expect(table.open(file(i))).not.toBeNull()
    expect(table.open(file(-1))).toBeNull()
    table.close(FIRST_FD + 7)
    expect(table.open(file(-1))?.fd).toBe(FIRST_FD + 7)
  })
})
