/** Which rules are on: defaults, then package.json `marionette.tidy`, then the flags (which win). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { enabledRules, nearestPackageJson, readPackageConfig, ruleIds, type PackageConfig } from './config.js'
import { defaultRules, RULE_IDS } from './rules.js'
import { TidyUsageError } from './usage_error.js'

let root: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tidy-config-'))
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

function manifest(directory: string, content: unknown): string {
  mkdirSync(directory, { recursive: true })
  const file = join(directory, 'package.json')
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

const NONE = { ban: [], allow: [] }

function config(fields: Partial<PackageConfig>): PackageConfig {
  return { ban: [], allow: [], simulate: [], file: 'package.json', ...fields }
}

describe('defaults', () => {
  it('reports every rule except real-io', () => {
    expect([...defaultRules()].sort()).toEqual(RULE_IDS.filter((id) => id !== 'real-io').sort())
    expect(enabledRules(null, NONE)).toEqual(defaultRules())
  })
})

describe('precedence', () => {
  it('package.json bans and allows change the defaults', () => {
    const rules = enabledRules(config({ ban: ['real-io'], allow: ['weakref', 'threads'] }), NONE)
    expect(rules.has('real-io')).toBe(true)
    expect(rules.has('weakref')).toBe(false)
    expect(rules.has('threads')).toBe(false)
    expect(rules.has('eval')).toBe(true)
  })

  it('flags win over package.json, both ways', () => {
    const file = config({ ban: ['real-io'], allow: ['weakref'] })
    const rules = enabledRules(file, { ban: ['weakref'], allow: ['real-io'] })
    expect(rules.has('weakref')).toBe(true)
    expect(rules.has('real-io')).toBe(false)
  })

  it('refuses to ban and allow the same rule at one level', () => {
    expect(() => enabledRules(null, { ban: ['eval'], allow: ['eval'] })).toThrow(/--ban and --allow both name eval/)
    expect(() => enabledRules(config({ ban: ['eval'], allow: ['eval'], file: '/p/package.json' }), NONE)).toThrow(
      /\/p\/package.json: marionette.tidy.ban and .allow both name eval/,
    )
  })

  it('rejects unknown rule names with the known ones and a suggestion', () => {
    expect(() => ruleIds(['evl'], '--ban')).toThrow(TidyUsageError)
    expect(() => ruleIds(['evl'], '--ban')).toThrow(/--ban: unknown rule "evl" \(did you mean eval\?\); known rules: eval, computed-global, weakref/)
    expect(() => ruleIds(['nonsense-rule-name'], '--allow')).toThrow(/unknown rule "nonsense-rule-name"; known rules:/)
  })
})

describe('package.json', () => {
  it('reads marionette.tidy from the nearest package.json', () => {
    const file = manifest(root, { name: 'x', marionette: { tidy: { ban: ['real-io'], allow: ['weakref'], simulate: ['dep'] } } })
    mkdirSync(join(root, 'src', 'deep'), { recursive: true })
    expect(nearestPackageJson(join(root, 'src', 'deep'))).toBe(file)
    expect(readPackageConfig(join(root, 'src', 'deep'))).toEqual({ ban: ['real-io'], allow: ['weakref'], simulate: ['dep'], file })
  })

  it('stops at the nearest package.json even when it has no configuration', () => {
    manifest(root, { marionette: { tidy: { ban: ['real-io'] } } })
    manifest(join(root, 'inner'), { name: 'inner' })
    expect(readPackageConfig(join(root, 'inner'))).toBeNull()
    manifest(join(root, 'other'), { name: 'other', marionette: { seed: 1 } })
    expect(readPackageConfig(join(root, 'other'))).toBeNull()
  })

  it('rejects a malformed configuration with the file and the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ marionette: { tidy: ['eval'] } }, /marionette.tidy must be an object/],
      [{ marionette: { tidy: { ban: 'eval' } } }, /marionette.tidy.ban must be an array of strings/],
      [{ marionette: { tidy: { simulate: [1] } } }, /marionette.tidy.simulate must be an array of strings/],
      [{ marionette: { tidy: { bans: ['eval'] } } }, /unknown field marionette.tidy.bans \(known: ban, allow, simulate\)/],
      [{ marionette: { tidy: { allow: ['weakrefs'] } } }, /marionette.tidy.allow: unknown rule "weakrefs" \(did you mean weakref\?\)/],
      ['{ not json', /cannot read .*package.json/],
    ]
    for (const [content, message] of cases) {
      manifest(root, content)
      expect(() => readPackageConfig(root)).toThrow(TidyUsageError)
      expect(() => readPackageConfig(root)).toThrow(message)
    }
  })
})
