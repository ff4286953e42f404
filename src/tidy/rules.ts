/**
 * The rules of `marionette tidy`: what the transform cannot redirect, each with a stable id (used in
 * `--ban`/`--allow`, in the package.json configuration and in the output), a one-line reason and a
 * hint at the fix.
 */
import { didYouMean } from '../cli/did_you_mean.js'

export const RULE_IDS = ['eval', 'computed-global', 'weakref', 'atomics-wait', 'threads', 'native-addon', 'real-io', 'parse-error'] as const

export type RuleId = (typeof RULE_IDS)[number]

export interface Rule {
  readonly id: RuleId
  /** Reported unless allowed (`true`), or only when banned (`false`). */
  readonly default_on: boolean
  /** Why the simulation cannot control it, in one line. */
  readonly reason: string
  /** What to do instead, in one line. */
  readonly fix: string
}

export const RULES: readonly Rule[] = [
  {
    id: 'eval',
    default_on: true,
    reason: 'eval, new Function, setTimeout with a string and node:vm run code that the transform never sees',
    fix: 'write the code out as ordinary functions (or look the function up in a table) so the transform can rewrite it',
  },
  {
    id: 'computed-global',
    default_on: true,
    reason: 'computed, aliased or otherwise indirect access to the global object, Math, process or crypto reaches the real APIs around the transform',
    fix: 'write the global out where it is used (setTimeout(...), Math.random()) instead of through a variable key, an alias or an import',
  },
  {
    id: 'weakref',
    default_on: true,
    reason: 'WeakRef and FinalizationRegistry depend on when the garbage collector runs, which no seed controls',
    fix: 'hold the object strongly, or release it explicitly (a Map with a delete, a dispose method)',
  },
  {
    id: 'atomics-wait',
    default_on: true,
    reason: 'Atomics.wait and Atomics.waitAsync block on real time and on other threads',
    fix: 'wait on a promise resolved by the simulated event loop (a simulated timer or a queue) instead',
  },
  {
    id: 'threads',
    default_on: true,
    reason: 'worker threads, child processes, cluster and SharedArrayBuffer run outside the single simulated event loop',
    fix: 'run the work in-process behind an interface, and substitute the real worker or process in production only',
  },
  {
    id: 'native-addon',
    default_on: true,
    reason: 'native addons (.node files) run compiled code the transform cannot rewrite',
    fix: 'use a pure JavaScript implementation under simulation, or put the addon behind an interface the test substitutes',
  },
  {
    id: 'real-io',
    default_on: false,
    reason: 'process.env is read from the real environment, so a run depends on the machine it runs on',
    fix: 'read configuration once at the edge and pass it in, so a test can supply it',
  },
  {
    id: 'parse-error',
    default_on: true,
    reason: 'a file that does not parse cannot be checked (nor transformed)',
    fix: 'fix the syntax error, or leave the file out of the paths checked',
  },
]

const BY_ID = new Map<string, Rule>(RULES.map((rule) => [rule.id, rule]))

export function isRuleId(name: string): name is RuleId {
  return BY_ID.has(name)
}

export function ruleById(id: RuleId): Rule {
  return BY_ID.get(id) as Rule
}

/** The rules reported when nothing is banned or allowed. */
export function defaultRules(): Set<RuleId> {
  return new Set(RULES.filter((rule) => rule.default_on).map((rule) => rule.id))
}

/** `unknown rule "evl" (did you mean eval?); known rules: eval, computed-global, ...` */
export function unknownRuleMessage(name: string): string {
  const best = didYouMean(name, RULE_IDS)
  const suggestion = best !== undefined ? ` (did you mean ${best}?)` : ''
  return `unknown rule ${JSON.stringify(name)}${suggestion}; known rules: ${RULE_IDS.join(', ')}`
}
