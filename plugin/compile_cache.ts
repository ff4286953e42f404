/**
 * A content-addressed disk cache for the CommonJS hook's compiled files.
 *
 * Vitest runs each test file in a fresh worker by default, and every worker
 * that `require()`s a simulated package would otherwise load the parser and
 * transform the same files again, cold. The cache keys a result by the file's
 * path and content, the compile options, and the transform's own code, so a
 * hit needs no parser at all and a change to the transform invalidates every
 * entry. Entries are written atomically (temporary file, then rename), so
 * concurrent workers never read half an entry.
 *
 * Location: `MARIONETTE_CACHE_DIR`, else `node_modules/.cache/marionette-sim`
 * under the working directory; `MARIONETTE_CACHE=0` turns it off.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The files whose code decides what `compile` produces; their contents are part of every key. */
const COMPILER_FILES = ['compile', 'transform', 'transform_parse', 'transform_scope', 'transform_map', 'redirected', 'source_map']
/** An entry for a file the compiler leaves as it is. */
const UNCHANGED = '\0unchanged'

function compilerIdentity(): string {
  const here = fileURLToPath(import.meta.url)
  const extension = here.endsWith('.ts') ? '.ts' : '.js'
  const hash = createHash('sha256')
  for (const name of COMPILER_FILES) {
    try {
      hash.update(readFileSync(join(dirname(here), name + extension)))
    } catch {
      hash.update(`missing:${name}`)
    }
  }
  return hash.digest('hex')
}

export class CompileCache {
  readonly #dir: string
  readonly #identity = compilerIdentity()
  #created = false

  constructor(dir: string) {
    this.#dir = dir
  }

  /** The cache configured by the environment, or null when it is turned off. */
  static fromEnvironment(): CompileCache | null {
    if (process.env.MARIONETTE_CACHE === '0') return null
    return new CompileCache(process.env.MARIONETTE_CACHE_DIR ?? join(process.cwd(), 'node_modules', '.cache', 'marionette-sim'))
  }

  key(filename: string, content: string, options: string): string {
    return createHash('sha256').update(this.#identity).update('\0').update(filename).update('\0').update(options).update('\0').update(content).digest('hex')
  }

  /** The cached result: compiled code, null for "unchanged", undefined on a miss. */
  get(key: string): string | null | undefined {
    let text: string
    try {
      text = readFileSync(join(this.#dir, key), 'utf8')
    } catch {
      return undefined
    }
    return text === UNCHANGED ? null : text
  }

  set(key: string, code: string | null): void {
    try {
      if (!this.#created) {
        mkdirSync(this.#dir, { recursive: true })
        this.#created = true
      }
      const file = join(this.#dir, key)
      const temporary = `${file}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`
      writeFileSync(temporary, code ?? UNCHANGED)
      renameSync(temporary, file)
    } catch {
      // A read-only or full disk only costs the next worker a recompile.
    }
  }
}
