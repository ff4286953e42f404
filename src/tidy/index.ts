/** `marionette tidy`: what the transform cannot redirect, in the code under test and in the dependencies it simulates. */
export { tidyCommand, DEFAULT_PATHS, type TidyOutput } from './command.js'
export { enabledRules, readPackageConfig, type PackageConfig, type RuleChoices } from './config.js'
export { lintSource, type Finding } from './lint.js'
export { formatJson, formatRules, formatText } from './report.js'
export { RULE_IDS, RULES, type Rule, type RuleId } from './rules.js'
export { tidy, type TidyOptions, type TidyResult } from './tidy.js'
export { TidyUsageError } from './usage_error.js'
