/**
 * What the transform redirects: the builtin modules, the globals and global members, and the
 * platform binding the output imports them through. The linter (`src/tidy`) reads the same tables.
 */

export type RedirectedModule =
  | 'fs'
  | 'fs/promises'
  | 'timers'
  | 'timers/promises'
  | 'crypto'
  | 'net'
  | 'http'
  | 'dns'
  | 'dns/promises'
  | 'https'
  | 'http2'
  | 'tls'
  | 'dgram'
  | 'os'
  | 'child_process'
  | 'worker_threads'
  | 'cluster'

/** The local name of the injected platform namespace. */
export const PLATFORM_BINDING = '__marionette_platform'

export const REDIRECTED_MODULES: readonly RedirectedModule[] = [
  'fs',
  'fs/promises',
  'timers',
  'timers/promises',
  'crypto',
  'net',
  'http',
  'dns',
  'dns/promises',
  'https',
  'http2',
  'tls',
  'dgram',
  'os',
  'child_process',
  'worker_threads',
  'cluster',
]
const REDIRECTED_MODULE_SET: ReadonlySet<string> = new Set(REDIRECTED_MODULES)

/** Globals redirected as a whole identifier, to the platform export of the same name. */
export const REDIRECTED_GLOBALS: readonly string[] = [
  'Date',
  'performance',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
]
export const REDIRECTED_GLOBAL_SET: ReadonlySet<string> = new Set(REDIRECTED_GLOBALS)

/** `object.property` pairs redirected as a whole, to the given platform export. */
export const REDIRECTED_MEMBERS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ['Math', new Map([['random', 'Math_random']])],
  [
    'process',
    new Map([
      ['hrtime', 'process_hrtime'],
      ['nextTick', 'process_nextTick'],
    ]),
  ],
  [
    'crypto',
    new Map([
      ['randomUUID', 'crypto_randomUUID'],
      ['getRandomValues', 'crypto_getRandomValues'],
    ]),
  ],
])

export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global'])

/**
 * Files that match none of these cannot need a change (a redirected name or a quoted module
 * name); they are returned as null without parsing.
 */
const PREFILTER =
  /\b(?:Date|random|performance|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate|hrtime|nextTick|randomUUID|getRandomValues)\b|['"`](?:node:)?(?:fs(?:\/promises)?|timers(?:\/promises)?|crypto|net|https?|http2|tls|dgram|dns(?:\/promises)?|os|child_process|worker_threads|cluster)['"`]/

/** Whether `code` could need a change at all (the cheap test `transformCode` starts with). */
export function mayNeedTransform(code: string): boolean {
  return PREFILTER.test(code)
}

/** The redirected module a specifier names (`'node:fs'` → `'fs'`), or null. */
export function redirectedModule(specifier: string): RedirectedModule | null {
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier
  return REDIRECTED_MODULE_SET.has(name) ? (name as RedirectedModule) : null
}
