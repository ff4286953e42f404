/**
 * What the transform redirects (its own tables, plugin/redirected.ts), and so what code must not
 * hide from it.
 */
import {
  GLOBAL_OBJECTS as TRANSFORM_OBJECTS,
  REDIRECTED_GLOBALS as TRANSFORM_GLOBALS,
  REDIRECTED_MEMBERS as TRANSFORM_MEMBERS,
  REDIRECTED_MODULES as TRANSFORM_MODULES,
} from '../../plugin/redirected.js'

/** Names of the global object itself: `globalThis.X` is the global `X` (in a browser-like environment `window.X` and `self.X` too). */
export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'window', 'self'])

/** The global objects whose members the transform follows: `globalThis.Date`, `global.setTimeout` (not `window.X`). */
export const TRANSFORM_GLOBAL_OBJECTS: ReadonlySet<string> = TRANSFORM_OBJECTS

/** Globals the transform rewrites where they are named, unbound (or as `globalThis.X` / `global.X`). */
export const REDIRECTED_GLOBALS: ReadonlySet<string> = new Set(TRANSFORM_GLOBALS)

/** Members the transform rewrites only when written `Object.member` on the unbound global object. */
export const REDIRECTED_MEMBERS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  [...TRANSFORM_MEMBERS].map(([object, members]) => [object, new Set(members.keys())]),
)

/** Builtin modules the transform replaces by the simulated platform's (with or without `node:`). */
export const REDIRECTED_MODULES: ReadonlySet<string> = new Set(TRANSFORM_MODULES)

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
