/**
 * The seed reporter, added by the plugin next to the user's reporters. It
 * prints the run seed when the run starts, and when it ends one block per
 * failed simulated test: its seed, its first line, where the trace is and the
 * `replay:` command that reproduces exactly this failure. It also keeps the
 * failing-seed memory (`.marionette/failures.json`) from what the tests
 * reported in `task.meta`.
 */
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node'
import type {} from './sim_run.js'
import { applyMemoryUpdates, type FailureMemory, type MemoryUpdate, writeFailureMemory } from './failure_memory.js'
import type { RunSeed } from './seeds.js'

interface Failure {
  readonly test: string
  readonly seed: string
  readonly headline: string
  readonly replay: string
  readonly trace_file: string | null
}

interface ProjectMemory {
  readonly root: string
  memory: FailureMemory
  readonly updates: MemoryUpdate[]
}

export class SeedReporter implements Reporter {
  readonly #failures: Failure[] = []
  /** By project root. */
  readonly #memories = new Map<string, ProjectMemory>()
  #simulated_tests = 0
  #vitest: Vitest | null = null

  constructor(
    readonly run_seed: RunSeed,
    /** Write `.marionette/failures.json` (off with `memory: false`). */
    readonly keep_memory: boolean,
  ) {}

  /**
   * Registers a project's root and its memory (read when Vitest started). Projects that
   * share a root share one file, so their updates are applied together and written once.
   */
  addProject(root: string, memory: FailureMemory): void {
    if (!this.#memories.has(root)) this.#memories.set(root, { root, memory, updates: [] })
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  onTestRunStart(): void {
    this.#failures.length = 0
    this.#simulated_tests = 0
    for (const project of this.#memories.values()) project.updates.length = 0
  }

  onTestCaseResult(test_case: TestCase): void {
    const meta = test_case.meta()
    if (meta.marionette_seed === undefined && meta.marionette_fuzz === undefined) return
    this.#simulated_tests++
    const memory = meta.marionette_memory
    if (memory !== undefined) this.#memories.get(test_case.project.config.root)?.updates.push(memory)
    const failure = meta.marionette_failure
    if (failure === undefined || test_case.result().state !== 'failed') return
    this.#failures.push({ test: `${test_case.module.relativeModuleId} > ${test_case.fullName}`, ...failure })
  }

  onTestRunEnd(_modules: readonly TestModule[]): void {
    const log = (text: string): void => (this.#vitest !== null ? this.#vitest.logger.log(text) : console.log(text))
    if (this.#simulated_tests > 0) {
      const source = this.run_seed.source === 'env' ? 'MARIONETTE_SEED' : this.run_seed.source === 'sequence.seed' ? '--sequence.seed' : 'default'
      const lines = [`[marionette-sim] ${this.#simulated_tests} simulated test${this.#simulated_tests === 1 ? '' : 's'}, run seed ${this.run_seed.seed.text} (${source})`]
      for (const failure of this.#failures) {
        lines.push(`  FAIL ${failure.test} (seed ${failure.seed})`)
        lines.push(`    ${failure.headline}`)
        if (failure.trace_file !== null) lines.push(`    trace: ${failure.trace_file}`)
        lines.push(`    replay: ${failure.replay}`)
      }
      log(lines.join('\n'))
    }
    if (!this.keep_memory) return
    for (const project of this.#memories.values()) {
      if (project.updates.length === 0) continue
      const next = applyMemoryUpdates(project.memory, project.updates)
      const before = JSON.stringify(project.memory)
      if (JSON.stringify(next) === before) continue
      // Nothing was remembered and nothing failed: do not create the file.
      if (before === '{}' && Object.keys(next).length === 0) continue
      try {
        writeFailureMemory(project.root, next)
        project.memory = next
      } catch (error) {
        log(`[marionette-sim] could not write the failing-seed memory: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}
