/**
 * `node --import marionette-sim/register app.ts`: runs plain scripts (and
 * TypeScript) with the transform applied, so inside a simulation their
 * `setTimeout`, `Date`, `Math.random`, `fs`... are the simulated ones, and
 * outside one they are the real ones.
 *
 * Which files: `MARIONETTE_INCLUDE` / `MARIONETTE_SIMULATE`, else the
 * `marionette` field of the nearest package.json, else every file outside
 * node_modules (see `register_config.ts` and docs/transform.md).
 */
import { registerNodeHooks } from './node_hooks.js'

await registerNodeHooks()
