/**
 * The simulated platform, as transformed code imports it
 * (`import * as __marionette_platform from '.../platform/index.js'`).
 *
 * Exactly these thirteen names: the transform emits them. Each serves the
 * active simulation (see active.ts) while one runs in this thread and is the
 * real API otherwise, so transformed code outside a simulation behaves exactly
 * like the original. The error types and the active-simulation functions are
 * exported from the package root ('marionette-sim').
 */
export { SimDate as Date } from './date.js'
export { performance, Math_random, process_hrtime, process_nextTick, crypto_randomUUID, crypto_getRandomValues } from './globals.js'
import { timers } from './timers.js'

export const setTimeout = timers.setTimeout
export const clearTimeout = timers.clearTimeout
export const setInterval = timers.setInterval
export const clearInterval = timers.clearInterval
export const setImmediate = timers.setImmediate
export const clearImmediate = timers.clearImmediate
