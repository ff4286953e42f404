/**
 * Which rules are reported and which dependencies are audited: the defaults, then the
 * `marionette.tidy` object of the nearest package.json, then the command-line flags (which win).
 *
 *     "marionette": { "tidy": { "ban": ["real-io"], "allow": ["weakref"], "simulate": ["some-dependency"] } }
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { defaultRules, isRuleId, unknownRuleMessage, type RuleId } from './rules.js'
import { TidyUsageError } from './usage_error.js'

/** Bans and allowances from one source (the package.json, or the flags). */
export interface RuleChoices {
  /** Rules to report (also those off by default). */
  readonly ban: readonly RuleId[]
  /** Rules not to report. */
  readonly allow: readonly RuleId[]
}

export interface PackageConfig extends RuleChoices {
  /** Dependencies to audit. */
  readonly simulate: readonly string[]
  /** The package.json it was read from. */
  readonly file: string
}

/** Checks rule names (`where` says where they came from, for the message). */
export function ruleIds(names: readonly string[], where: string): RuleId[] {
  return names.map((name) => {
    if (!isRuleId(name)) throw new TidyUsageError(`${where}: ${unknownRuleMessage(name)}`)
    return name
  })
}

function stringList(value: unknown, field: string, file: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new TidyUsageError(`${file}: marionette.tidy.${field} must be an array of strings`)
  }
  return value
}

/** The package.json nearest to `cwd` (in it or above it), or null. */
export function nearestPackageJson(cwd: string): string | null {
  for (let directory = resolve(cwd); ; directory = dirname(directory)) {
    const file = join(directory, 'package.json')
    if (existsSync(file)) return file
    if (dirname(directory) === directory) return null
  }
}

/** The `marionette.tidy` object of the nearest package.json, or null when there is none. */
export function readPackageConfig(cwd: string): PackageConfig | null {
  const file = nearestPackageJson(cwd)
  if (file === null) return null
  let manifest: unknown
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new TidyUsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const marionette = (manifest as { marionette?: unknown } | null)?.marionette
  if (typeof marionette !== 'object' || marionette === null) return null
  const tidy = (marionette as { tidy?: unknown }).tidy
  if (tidy === undefined) return null
  if (typeof tidy !== 'object' || tidy === null || Array.isArray(tidy)) throw new TidyUsageError(`${file}: marionette.tidy must be an object`)
  const known = new Set(['ban', 'allow', 'simulate'])
  for (const field of Object.keys(tidy)) {
    if (!known.has(field)) throw new TidyUsageError(`${file}: unknown field marionette.tidy.${field} (known: ban, allow, simulate)`)
  }
  const fields = tidy as Record<string, unknown>
  return {
    ban: ruleIds(stringList(fields.ban, 'ban', file), `${file}: marionette.tidy.ban`),
    allow: ruleIds(stringList(fields.allow, 'allow', file), `${file}: marionette.tidy.allow`),
    simulate: stringList(fields.simulate, 'simulate', file),
    file,
  }
}

function apply(rules: Set<RuleId>, choices: RuleChoices, where: string): void {
  const both = choices.ban.filter((id) => choices.allow.includes(id))
  if (both.length > 0) throw new TidyUsageError(`${where} both name ${[...new Set(both)].join(', ')}`)
  for (const id of choices.ban) rules.add(id)
  for (const id of choices.allow) rules.delete(id)
}

/** The rules reported: the defaults, changed by the package.json, changed by the flags. */
export function enabledRules(config: PackageConfig | null, flags: RuleChoices): Set<RuleId> {
  const rules = defaultRules()
  if (config !== null) apply(rules, config, `${config.file}: marionette.tidy.ban and .allow`)
  apply(rules, flags, '--ban and --allow')
  return rules
}
