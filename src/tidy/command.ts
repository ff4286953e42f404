/**
 * `marionette tidy [paths...] [--simulate <pkg>]... [--ban <rule>]... [--allow <rule>]... [--json] [--rules]`
 *
 * Exit codes: 0 no findings, 1 findings, 2 usage error (thrown as `TidyUsageError`).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { enabledRules, readPackageConfig, ruleIds } from './config.js'
import { formatJson, formatRules, formatText } from './report.js'
import { tidy } from './tidy.js'
import { TidyUsageError } from './usage_error.js'

export interface TidyOutput {
  out(text: string): void
}

/** The paths checked when none are given. */
export const DEFAULT_PATHS: readonly string[] = ['src']

const OPTIONS = {
  simulate: { type: 'string', multiple: true },
  ban: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  rules: { type: 'boolean' },
} as const

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new TidyUsageError(message.replace(/\. To specify a positional argument.*$/s, ''))
  }
}

/** `--ban a,b --ban c` → [a, b, c]. */
function list(values: readonly string[] | undefined, flag: string): string[] {
  const items = (values ?? []).flatMap((value) => value.split(','))
  if (items.some((item) => item.trim() === '')) throw new TidyUsageError(`${flag} needs a value`)
  return items.map((item) => item.trim())
}

/** Runs `tidy` with the arguments after the command name; returns the exit code. */
export function tidyCommand(args: string[], io: TidyOutput, cwd: string = process.cwd()): number {
  const { values, positionals } = parse(args)
  if (values.rules === true) {
    io.out(formatRules())
    return 0
  }
  const flags = { ban: ruleIds(list(values.ban, '--ban'), '--ban'), allow: ruleIds(list(values.allow, '--allow'), '--allow') }
  const config = readPackageConfig(cwd)
  const rules = enabledRules(config, flags)
  const simulate = values.simulate !== undefined ? list(values.simulate, '--simulate') : [...(config?.simulate ?? [])]
  let paths = positionals
  if (paths.length === 0) {
    if (!DEFAULT_PATHS.every((path) => existsSync(join(cwd, path)))) {
      throw new TidyUsageError(`no paths given and there is no ${DEFAULT_PATHS.join(', ')} here; name the files or directories to check`)
    }
    paths = [...DEFAULT_PATHS]
  }
  const result = tidy({ cwd, paths, simulate, rules })
  io.out(values.json === true ? formatJson(result) : formatText(result))
  return result.findings.length === 0 ? 0 : 1
}
