export { World, type WorldOptions } from './world.js'
export { Clock, BudgetExceeded, formatNs, DEFAULT_EPOCH_MS, DEFAULT_MONOTONIC_ORIGIN_NS, NS_PER_MS, type ClockOptions } from './clock.js'
export { Random } from './random.js'
export { parseSeed, InvalidSeed, SEED_FORMS, type Seed, type SeedInput } from './seed.js'
export {
  Trace,
  InvalidTracePayload,
  TraceLimitExceeded,
  escapeTraceText,
  unescapeTraceText,
  isValidTraceName,
  isValidRawValue,
  DEFAULT_MAX_TRACE_BYTES,
  type TraceValue,
  type TraceFields,
  type AttributeValue,
} from './trace.js'
export { Buggify, BuggifyRate, InvalidBuggifyRate, validateRate, formatRate, type BuggifyOptions } from './buggify.js'
