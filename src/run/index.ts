export {
  run,
  runCase,
  expectPass,
  expectFailure,
  expectFuzz,
  sweep,
  fuzzSeeds,
  InitRecordedTrace,
  type Scenario,
  type Check,
  type StateCheck,
  type Case,
  type RunOptions,
  type ExpectFailureOptions,
  type FuzzOptions,
  type FuzzReport,
} from './run.js'
export { RunReport, RunFailure, type RunOutcome } from './report.js'
export { compareTraces, formatDivergence, type Divergence } from './replay.js'
