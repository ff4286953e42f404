/**
 * What the transform redirects (plugin/transform.ts: REDIRECTED_GLOBALS, REDIRECTED_MEMBERS,
 * REDIRECTED_MODULES; globals.test.ts keeps these lists equal to it), and so what code must not hide
 * from it.
 */

/** Names of the global object itself: `globalThis.X` is the global `X` (in a browser-like environment `window.X` and `self.X` too). */
export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'window', 'self'])

/** The global objects whose members the transform follows: `globalThis.Date`, `global.setTimeout` (not `window.X`). */
export const TRANSFORM_GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global'])

/** Globals the transform rewrites where they are named, unbound (or as `globalThis.X` / `global.X`). */
export const REDIRECTED_GLOBALS: ReadonlySet<string> = new Set([
  'Date',
  'performance',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
])

/** Members the transform rewrites only when written `Object.member` on the unbound global object. */
export const REDIRECTED_MEMBERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['Math', new Set(['random'])],
  ['process', new Set(['hrtime', 'nextTick'])],
  ['crypto', new Set(['randomUUID', 'getRandomValues'])],
])

/** Builtin modules the transform replaces by the simulated platform's (with or without `node:`). */
export const REDIRECTED_MODULES: ReadonlySet<string> = new Set([
  'fs',
  'fs/promises',
  'timers',
  'timers/promises',
  'crypto',
  'net',
  'http',
  'dns',
  'os',
  'child_process',
  'worker_threads',
  'cluster',
])

/** `node:fs` → `fs`. */
export function builtinName(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier
}

/**
 * Objects a computed key (`Math[name]`) or an alias (`const M = Math`) reaches around the transform:
 * the global object and the objects with redirected members. Not `Date` or `performance`: the
 * transform replaces those identifiers themselves, so `Date[key]` and `const D = Date` already reach
 * the simulated one.
 */
export function hidesRedirectedMembers(name: string): boolean {
  return GLOBAL_OBJECTS.has(name) || REDIRECTED_MEMBERS.has(name)
}

/** How to write a redirected global or member so the transform sees it: `setTimeout`, `Math.random`. */
export function spelledOut(object: string, name: string): string {
  return GLOBAL_OBJECTS.has(object) ? name : `${object}.${name}`
}
