/** How `tidy` prints its findings: one line each and a summary, or JSON. */
import type { Finding } from './lint.js'
import { RULES, ruleById } from './rules.js'
import { filesWithFindings, type TidyResult } from './tidy.js'

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** `src/a.ts:3:7  eval  eval() runs code the transform never sees` */
export function findingLine(finding: Finding): string {
  return `${finding.path}:${finding.line}:${finding.column}  ${finding.rule}  ${finding.message}`
}

/** `2 findings in 1 file (5 files checked)` */
export function summaryLine(result: TidyResult): string {
  return `${plural(result.findings.length, 'finding')} in ${plural(filesWithFindings(result.findings), 'file')} (${plural(result.checked, 'file')} checked)`
}

export function formatText(result: TidyResult): string {
  return [...result.findings.map(findingLine), summaryLine(result)].join('\n') + '\n'
}

/** The findings with each rule's reason and fix, and the counts, as JSON (one document, two-space indented). */
export function formatJson(result: TidyResult): string {
  const document = {
    findings: result.findings.map((finding) => {
      const rule = ruleById(finding.rule)
      return { ...finding, reason: rule.reason, fix: rule.fix }
    }),
    summary: { findings: result.findings.length, files: filesWithFindings(result.findings), checked: result.checked },
  }
  return JSON.stringify(document, null, 2) + '\n'
}

/** The rule table of `tidy --rules`. */
export function formatRules(): string {
  const width = Math.max(...RULES.map((rule) => rule.id.length))
  return RULES.map((rule) => `${rule.id.padEnd(width)}  ${rule.default_on ? 'on ' : 'off'}  ${rule.reason}\n${' '.repeat(width + 7)}fix: ${rule.fix}\n`).join('')
}
