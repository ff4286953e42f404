/**
 * Sweeps across `vitest --shard=i/n`. Vitest shards by file, so a file's
 * tests all run on one shard. For a sweep to scale out, every shard must run
 * the file holding it and take its own share of the seeds: this sequencer
 * gives each shard, besides its own files, every other file that calls
 * `.fuzz(` (a "guest" file there). In a guest file, `test.sim.fuzz` runs this
 * shard's share of seeds and every other test is skipped (it runs on the
 * file's home shard), so nothing runs twice.
 */
import { readFileSync } from 'node:fs'
import type { TestSpecification, Vitest } from 'vitest/node'

type SequencerClass = Vitest['config']['sequence']['sequencer']

/** Whether a test file (by its source) declares a sweep. */
export function declaresSweep(source: string): boolean {
  return /\.\s*fuzz\s*(?:\.\s*(?:only|skip|fails|concurrent)\s*)*\(/.test(source)
}

function readsSweep(path: string): boolean {
  try {
    return declaresSweep(readFileSync(path, 'utf8'))
  } catch {
    return false
  }
}

/**
 * A sequencer class like `Base` whose `shard` adds the guest files; `onGuests`
 * receives, per project, the guest files of this shard before any runs.
 */
export function sweepAwareSequencer(Base: SequencerClass, onGuests: (guests: ReadonlyMap<TestSpecification['project'], string[]>) => void): SequencerClass {
  type Sequencer = { shard(files: TestSpecification[]): Promise<TestSpecification[]> }
  const Parent = Base as unknown as new (...args: unknown[]) => Sequencer
  return class SweepAwareSequencer extends Parent {
    override async shard(files: TestSpecification[]): Promise<TestSpecification[]> {
      const home = await super.shard(files)
      const on_this_shard = new Set(home)
      const guests = files.filter((spec) => !on_this_shard.has(spec) && readsSweep(spec.moduleId))
      const by_project = new Map<TestSpecification['project'], string[]>()
      for (const spec of guests) {
        const list = by_project.get(spec.project) ?? []
        list.push(spec.moduleId)
        by_project.set(spec.project, list)
      }
      onGuests(by_project)
      return [...home, ...guests]
    }
  } as unknown as SequencerClass
}
