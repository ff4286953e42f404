/**
 * Installs the Node integration of the transform in this process: the ES
 * module hooks (`loader_hooks.ts`, through `module.register`) and the CommonJS
 * `require` hook (`require_hook.ts`). `register.ts` calls it for
 * `node --import marionette-sim/register`; the CLI calls it for the examples.
 */
import { register } from 'node:module'
import type { HooksData } from './loader_hooks.js'
import { OWN_EXTENSION, PLATFORM_PATH, platformModulePath } from './options.js'
import { checkConfig, createFilter, resolveConfig, type RegisterConfig } from './register_config.js'

export interface NodeHooksOptions {
  /** Also install the CommonJS hook (default true); code loaded only through `import` can do without it. */
  readonly require?: boolean
}

/** Registers the hooks for `config` (by default read from the environment and package.json, see `resolveConfig`). */
export async function registerNodeHooks(config: RegisterConfig = resolveConfig(), options: NodeHooksOptions = {}): Promise<void> {
  checkConfig(config)
  const data: HooksData = { config }
  register(`./loader_hooks${OWN_EXTENSION}`, import.meta.url, { data })
  if (options.require ?? true) {
    const { installRequireHook } = await import('./require_hook.js')
    const { compile } = await import('./compile.js')
    installRequireHook(createFilter(config), { index: PLATFORM_PATH, module: platformModulePath }, { typescript: true, loadCompiler: () => compile })
  }
}
