import { fileURLToPath } from 'node:url'
import { registerNodeHooks } from '../../plugin/node_hooks.js'
import { packageOfFile } from '../../plugin/options.js'
import { folderGlob } from '../../plugin/register_config.js'

type Examples = typeof import('../../examples/index.js')

let loaded_examples: Promise<Examples> | undefined

/**
 * The bundled examples, loaded under simulation: the examples are plain code
 * (`setTimeout`, `Math.random()`, `process.hrtime`, `node:fs/promises`), so
 * they are imported only after the transform's module hooks are registered
 * for their folder. Used by the CLI and the network benchmark.
 */
export function loadExamples(): Promise<Examples> {
  loaded_examples ??= (async () => {
    const folder = fileURLToPath(new URL('../../examples/', import.meta.url))
    // Installed as a dependency, the examples are inside node_modules, which only `simulate` reaches.
    const installed_as = packageOfFile(folder)
    const config = { include: [folderGlob(folder)], simulate: installed_as === null ? [] : [installed_as], root: folder }
    await registerNodeHooks(config, { require: false })
    return (await import('../../examples/index.js')) as Examples
  })()
  return loaded_examples
}
