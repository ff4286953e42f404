/**
 * The files `tidy` checks under the paths it is given: JavaScript and TypeScript sources, found by
 * walking directories in sorted order. `node_modules` (dependencies are audited only through
 * `--simulate`), `dist` (build output) and hidden directories are not entered; a file named
 * explicitly is always checked.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import { isDeclarationFile, SOURCE_EXTENSIONS } from './lint.js'
import { TidyUsageError } from './usage_error.js'

export interface WalkOptions {
  /** Directory names not entered. */
  readonly skip_directory: (name: string) => boolean
  /** Files taken. */
  readonly take_file: (name: string) => boolean
}

/** Files under `root` (absolute paths, sorted walk order); follows symbolic links, once per real directory. */
export function walkFiles(root: string, options: WalkOptions, seen: Set<string> = new Set()): string[] {
  const real = realpathSync(root)
  if (seen.has(real)) return []
  seen.add(real)
  const found: string[] = []
  const names = readdirSync(root).sort()
  for (const name of names) {
    const path = join(root, name)
    let stats
    try {
      stats = statSync(path)
    } catch {
      continue // a dangling symbolic link
    }
    if (stats.isDirectory()) {
      if (!options.skip_directory(name)) found.push(...walkFiles(path, options, seen))
    } else if (stats.isFile() && options.take_file(name)) {
      found.push(path)
    }
  }
  return found
}

const SOURCE_WALK: WalkOptions = {
  skip_directory: (name) => name === 'node_modules' || name === 'dist' || name.startsWith('.'),
  take_file: (name) => SOURCE_EXTENSIONS.has(extname(name).toLowerCase()) && !isDeclarationFile(name),
}

/** The source files named by `paths` (files or directories, relative to `cwd`), absolute, without repeats. */
export function sourceFiles(paths: readonly string[], cwd: string): string[] {
  const files: string[] = []
  for (const given of paths) {
    const path = resolve(cwd, given)
    let stats
    try {
      stats = statSync(path)
    } catch {
      throw new TidyUsageError(`no such file or directory: ${given}`)
    }
    if (stats.isDirectory()) {
      files.push(...walkFiles(path, SOURCE_WALK))
    } else if (SOURCE_EXTENSIONS.has(extname(path).toLowerCase())) {
      files.push(path)
    } else {
      throw new TidyUsageError(`${given} is not a JavaScript or TypeScript file (${[...SOURCE_EXTENSIONS].join(', ')})`)
    }
  }
  return [...new Set(files)]
}
